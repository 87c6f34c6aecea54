import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from '../telemetry/logger';
import { setConsumerLag } from '../telemetry/metrics';
import type { Producer } from './catalogue';
import { backoff, type ConsumerSettings, type EventProcessor } from './consumer';
import { failureReason, inTransaction, toEvent, type OutboxRow, type TransactionalSqlClient } from './outbox';

/**
 * The NATS JetStream transport (NATS_URL set): a stream per producer (`EVENTS_<PRODUCER>`, subjects
 * `events.<producer>.<type>`), fed by the producer's outbox relay; a durable consumer per consuming
 * service on each stream it follows, with explicit acknowledgement and one event in flight, so
 * each producer's events are applied in order.
 */

export const streamName = (producer: Producer) => `EVENTS_${producer.toUpperCase()}`;
export const subjectOf = (producer: Producer, type: string) => `events.${producer}.${type}`;
/** How long NATS remembers a message id: a relay that published but crashed before stamping the row republishes within it. */
const DUPLICATE_WINDOW_MS = 10 * 60_000;
const RETENTION_MS = 30 * 86_400_000;
const RELAY_BATCH = 100;

/**
 * Connects, retrying for as long as it takes (the broker may start after the service, or be down a while).
 * The NATS client ignores credentials written in a server URL: `nats://user:pass@host` (or
 * `nats://token@host`) is split here into the server and its user and password (or token), so
 * that a broker with authorization accepts the connection, and the credentials appear nowhere else.
 * Replies come to inboxes under `_INBOX_<name>`: deploy/nats/nats-server.conf lets each service
 * subscribe to its own prefix only, so that none reads another's replies (its pulled events).
 */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  const server = new URL(url);
  const user = decodeURIComponent(server.username);
  const pass = decodeURIComponent(server.password);
  server.username = '';
  server.password = '';
  const auth = pass ? { user, pass } : user ? { token: user } : {};
  return connect({ servers: server.toString(), name, inboxPrefix: `_INBOX_${name}`, ...auth, waitOnFirstConnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 500 });
}

/** Creates `producer`'s stream, or leaves it as it is: producer and consumers both call this at start. */
export async function ensureStream(jsm: JetStreamManager, producer: Producer): Promise<void> {
  const config = {
    name: streamName(producer),
    subjects: [`events.${producer}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: nanos(RETENTION_MS),
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
  try {
    await jsm.streams.info(config.name);
  } catch {
    await jsm.streams.add(config).catch(async (error) => {
      // Another service added it first.
      await jsm.streams.info(config.name).catch(() => {
        throw error;
      });
    });
  }
}

/** Runs `task` until stopped, logging the first failure of each outage and waiting `pauseMs` between tries. */
function keepRunning(what: string, task: () => Promise<void>, pauseMs: number, logger: Logger) {
  let stopped = false;
  let failing = false;
  let wake: (() => void) | undefined;
  const done = (async () => {
    while (!stopped) {
      try {
        await task();
        if (failing) logger.info(`${what}: working again`);
        failing = false;
      } catch (error) {
        if (!stopped && !failing) logger.warn({ reason: failureReason(error) }, `${what}: failing; retrying`);
        failing = true;
      }
      if (!stopped) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, pauseMs)));
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake?.();
      await done;
    },
  };
}

/**
 * The outbox relay: publishes the rows not yet published, in position order, each with its event id
 * as `Nats-Msg-Id` (NATS drops a second copy within DUPLICATE_WINDOW_MS), and stamps them. It runs
 * under a transaction-scoped advisory lock, so replicas of a producer never interleave its events.
 * A crash after publishing and before stamping republishes; one before publishing publishes at restart.
 */
export function relayOutbox(producer: Producer, db: TransactionalSqlClient, nc: Promise<NatsConnection>, pollMs: number, logger: Logger) {
  let streamReady = false;
  return keepRunning(
    `relaying ${producer} events to NATS`,
    async () => {
      const connection = await nc;
      if (!streamReady) {
        await ensureStream(await jetstreamManager(connection), producer);
        streamReady = true;
      }
      const js = jetstream(connection);
      for (;;) {
        const relayed = await inTransaction(db, async (tx) => {
          const [{ locked }] = await tx.$queryRawUnsafe<{ locked: boolean }[]>(`SELECT pg_try_advisory_xact_lock(hashtext('outbox relay')) AS locked`);
          if (!locked) return 0;
          const rows = await tx.$queryRawUnsafe<OutboxRow[]>(
            `SELECT position, id::text, aggregate_id::text, sequence, type, version, payload, occurred_at
               FROM outbox_events WHERE published_at IS NULL ORDER BY position LIMIT $1`,
            RELAY_BATCH,
          );
          for (const row of rows) {
            await js.publish(subjectOf(producer, row.type), JSON.stringify(toEvent(producer, row)), { msgID: row.id, timeout: 5_000 });
          }
          if (rows.length) {
            await tx.$executeRawUnsafe(`UPDATE outbox_events SET published_at = now() WHERE position = ANY($1::bigint[])`, rows.map((r) => r.position));
          }
          return rows.length;
        });
        if (relayed < RELAY_BATCH) return;
      }
    },
    pollMs,
    logger,
  );
}

/**
 * `service`'s durable consumer on `producer`'s stream: explicit acknowledgement, at most one event
 * unacknowledged (so they are applied in order), redelivery after `ackWaitMs` when a consumer dies
 * holding one, and after the processor's backoff (a NAK with delay) when one fails. The processor
 * dead-letters what keeps failing, and it is then acknowledged. Failures are counted here, per
 * process: a consumer that restarts gives an event its attempts again.
 */
export function consumeStream(
  service: string,
  producer: Producer,
  processor: EventProcessor,
  nc: Promise<NatsConnection>,
  settings: ConsumerSettings & { ackWaitMs: number; pollMs: number },
  logger: Logger,
) {
  let pending = 0;
  let caughtUpAt = Date.now();
  let stopping: (() => void) | undefined;
  /** Failed attempts per event id: NATS's delivery count would also count redeliveries after a crash, and database outages. */
  const failures = new Map<string, number>();
  const runner = keepRunning(
    `consuming ${producer} events from NATS`,
    async () => {
      const connection = await nc;
      const jsm = await jetstreamManager(connection);
      await ensureStream(jsm, producer);
      const config = {
        durable_name: service,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        max_ack_pending: 1,
        ack_wait: nanos(settings.ackWaitMs),
      };
      await jsm.consumers.add(streamName(producer), config).catch(() => jsm.consumers.update(streamName(producer), service, config));
      const consumer = await jetstream(connection).consumers.get(streamName(producer), service);
      // Missing stream or consumer (deleted by an operator, a broker that lost its store): end, and
      // the loop creates them again rather than waiting on one that will never deliver.
      const messages = await consumer.consume({ max_messages: 1, abort_on_missing_resource: true });
      stopping = () => void messages.stop();
      void (async () => {
        for await (const status of messages.status()) if (status.type === 'consumer_deleted') void messages.stop();
      })().catch(() => undefined);
      const watch = setInterval(() => {
        consumer.info().then(
          (info) => {
            pending = info.num_pending + info.num_ack_pending;
            if (pending === 0) caughtUpAt = Date.now();
          },
          () => undefined,
        );
        setConsumerLag(service, `${producer}.outbox`, (Date.now() - caughtUpAt) / 1000);
      }, 1_000);
      try {
        for await (const message of messages) {
          let raw: unknown;
          try {
            raw = message.json();
          } catch {
            raw = message.string();
          }
          const key = (raw as { id?: unknown })?.id;
          const id = typeof key === 'string' ? key : `#${message.seq}`;
          const failed = failures.get(id) ?? 0;
          const outcome = await processor
            .process(raw, failed + 1)
            // The consumer's database is down: not an attempt; NATS redelivers after the pause.
            .catch(() => ({ done: false as const, retryInMs: backoff(settings, failed + 1), uncounted: true }));
          if (outcome.done) {
            failures.delete(id);
            await message.ackAck().catch(() => message.ack());
          } else {
            if (!('uncounted' in outcome)) failures.set(id, failed + 1);
            message.nak(outcome.retryInMs);
          }
        }
      } finally {
        clearInterval(watch);
      }
    },
    settings.pollMs,
    logger,
  );
  return {
    /** Events in the stream this consumer has not acknowledged yet (from NATS, refreshed each second). */
    lag: () => pending,
    async stop() {
      const stop = runner.stop();
      stopping?.();
      await stop;
    },
  };
}
