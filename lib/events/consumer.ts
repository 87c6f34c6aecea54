import { isDatabaseUnavailable } from '../data/database';
import type { Logger } from '../telemetry/logger';
import { InvalidEvent, validateEvent, type DomainEvent, type Producer } from './catalogue';
import { failureReason, inTransaction, type SqlClient, type TransactionalSqlClient } from './outbox';

/**
 * What a consumer does with one event, inside the transaction that records it as processed.
 * It may return work to run after that commit (deleting files, which no transaction covers);
 * that work must be harmless to repeat and to skip (a file left behind is unreachable).
 */
export type Handler = (event: DomainEvent, tx: SqlClient) => Promise<(() => Promise<void>) | void>;

/** A consuming service's handlers, by producer and event type. */
export type Handlers = Partial<Record<Producer, Record<string, Handler>>>;

export interface ConsumerSettings {
  /** `EVENTS_MAX_ATTEMPTS`: failures after which an event is dead-lettered. */
  maxAttempts: number;
  /** `EVENTS_RETRY_BASE_MS`: the first retry's delay, doubled on each further failure (at most 30 s). */
  retryBaseMs: number;
}

/** What a transport does next with an event it delivered. */
export type Outcome = { done: true } | { done: false; retryInMs: number };

/** The delay before attempt `attempt + 1` after `attempt` failures. */
export function backoff(settings: ConsumerSettings, attempt: number): number {
  return Math.min(settings.retryBaseMs * 2 ** Math.max(0, attempt - 1), 30_000);
}

/**
 * The transport-independent half of consuming: validation against the catalogue, idempotence
 * (the event id recorded in processed_events in the transaction of its effect, so an event applied
 * once is never applied again, and one whose transaction rolled back is applied when redelivered),
 * and poison handling (an invalid event at once, a failing one after `maxAttempts`, goes to
 * dead_letters with a log line; the transport then moves on). Transports deliver one producer's
 * events one at a time, in order, which gives the order per aggregate.
 */
export function eventProcessor(service: string, db: TransactionalSqlClient, handlers: Handlers, settings: ConsumerSettings, logger: Logger) {
  async function deadLetter(raw: unknown, error: unknown, attempts: number) {
    const event = (typeof raw === 'object' && raw !== null ? raw : {}) as Partial<DomainEvent>;
    // Kept whole for an operator in the table; the log line says only what the catalogue found
    // wrong (field names, never values) or the failure's code.
    const reason = error instanceof Error ? error.message.slice(0, 1000) : 'failed';
    const logged = error instanceof InvalidEvent ? reason : failureReason(error);
    const ident = { eventId: event.id, producer: event.producer, type: event.type, aggregateId: event.aggregateId, attempts, reason: logged };
    if (typeof event.id !== 'string' || !/^[0-9a-f-]{36}$/i.test(event.id)) {
      // Nothing to key it by: logged, and skipped.
      logger.error(ident, 'dead-lettered an event without an id');
      return;
    }
    await inTransaction(db, async (tx) => {
      await tx.$executeRawUnsafe(
        `INSERT INTO dead_letters (event_id, producer, type, event, error, attempts) VALUES ($1::uuid, $2, $3, $4::jsonb, $5, $6)
         ON CONFLICT (event_id) DO UPDATE SET error = EXCLUDED.error, attempts = EXCLUDED.attempts`,
        event.id,
        storable(String(event.producer ?? '?')).slice(0, 30),
        storable(String(event.type ?? '?')).slice(0, 100),
        storableJson(raw),
        storable(reason),
        attempts,
      );
      await tx.$executeRawUnsafe(
        `INSERT INTO processed_events (event_id, producer) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING`,
        event.id,
        storable(String(event.producer ?? '?')).slice(0, 30),
      );
    });
    logger.error(ident, 'dead-lettered an event; the next ones flow on');
  }

  /** Applies `event` once: a redelivery finds its id recorded and does nothing. */
  async function apply(event: DomainEvent): Promise<void> {
    const handler = handlers[event.producer]?.[event.type];
    if (!handler) return; // not an event this service acts on
    const after = await inTransaction(db, async (tx) => {
      // First, so that a concurrent delivery of the same event waits on this row, then skips.
      const inserted = await tx.$executeRawUnsafe(
        `INSERT INTO processed_events (event_id, producer) VALUES ($1::uuid, $2) ON CONFLICT DO NOTHING`,
        event.id,
        event.producer,
      );
      if (inserted === 0) return undefined;
      return (await handler(event, tx)) ?? undefined;
    });
    if (after) await after();
  }

  return {
    service,
    /** Of `ids`, those already processed (or dead-lettered): a feed that re-reads skips them in one query. */
    async processed(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await db.$queryRawUnsafe<{ event_id: string }[]>(
        `SELECT event_id::text FROM processed_events WHERE event_id = ANY($1::uuid[])`,
        ids,
      );
      return new Set(rows.map((row) => row.event_id));
    },
    /**
     * Handles one delivery of `raw`, its `attempt`th (1 for the first; failures of the consumer's
     * database are not attempts). Resolves with what the transport should do; rejects when the
     * consumer's database is unreachable, and the transport then retries the event later without
     * counting it.
     */
    async process(raw: unknown, attempt: number): Promise<Outcome> {
      let event: DomainEvent;
      try {
        event = validateEvent(raw);
      } catch (error) {
        await deadLetter(raw, error, attempt);
        return { done: true };
      }
      try {
        await apply(event);
        return { done: true };
      } catch (error) {
        // Not the event's fault: it is tried again later, without counting as one of its attempts
        // (an outage of the consumer's own database must not dead-letter good events).
        if (isDatabaseUnavailable(error)) throw error;
        if (error instanceof InvalidEvent || attempt >= settings.maxAttempts) {
          await deadLetter(event, error, attempt);
          return { done: true };
        }
        logger.warn({ eventId: event.id, type: event.type, attempt, reason: failureReason(error) }, 'an event failed; it will be retried');
        return { done: false, retryInMs: backoff(settings, attempt) };
      }
    },
  };
}

export type EventProcessor = ReturnType<typeof eventProcessor>;

/**
 * PostgreSQL refuses the NUL character in text and in jsonb: a malformed event carrying one (anyone
 * able to publish to the broker can send it) would fail its own dead-lettering, be retried as if the
 * database were down, and hold back every event behind it for ever. It is stored as U+FFFD instead.
 */
function storable(text: string): string {
  return text.replaceAll('\0', '\uFFFD');
}

/** `value` as JSON without the escape `\u0000` (an escaped backslash before "u0000" is left as it is). */
function storableJson(value: unknown): string {
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}
