import { randomUUID } from 'node:crypto';
import { validatePayload, type DomainEvent, type EventType, type Payload, type Producer } from './catalogue';

/**
 * The part of a Prisma client (or of one of its transactions) the event machinery uses: raw SQL
 * on the tables every subgraph's schema declares alike (outbox_events, event_sequences,
 * processed_events, dead_letters, event_cursors), so that one implementation serves all three.
 */
export interface SqlClient {
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: unknown[]): Promise<number>;
}

/**
 * A client that can also open a transaction (a PrismaClient). Loosely typed: Prisma's overloads
 * of `$transaction` differ per generated client; inTransaction gives the useful type back.
 */
export interface TransactionalSqlClient extends SqlClient {
  $transaction(...args: any[]): Promise<any>;
}

/** Runs `fn` in an interactive transaction of `db`, typed as the SQL the event machinery needs. */
export function inTransaction<R>(db: TransactionalSqlClient, fn: (tx: SqlClient) => Promise<R>): Promise<R> {
  return db.$transaction(fn, { timeout: 30_000 }) as Promise<R>;
}

/** An outbox row as read back: the event plus its feed position. */
export interface OutboxRow {
  position: bigint;
  id: string;
  aggregate_id: string;
  sequence: number;
  type: string;
  version: number;
  payload: unknown;
  occurred_at: Date;
}

export function toEvent(producer: Producer, row: OutboxRow): DomainEvent {
  return {
    id: row.id,
    producer,
    aggregateId: row.aggregate_id,
    sequence: row.sequence,
    type: row.type,
    version: row.version,
    occurredAt: row.occurred_at.toISOString(),
    payload: row.payload,
  };
}

/**
 * Writes one event to `producer`'s outbox inside `tx`, the transaction of the change it reports:
 * both commit or neither does. The payload is checked against the catalogue first. The sequence
 * comes from an upsert on event_sequences, whose row lock is held until commit, so a concurrent
 * change to the same aggregate waits and its event follows this one in sequence and in position.
 */
export async function recordEvent<P extends Producer, T extends EventType<P>>(
  tx: SqlClient,
  producer: P,
  type: T,
  aggregateId: string,
  payload: Payload<P, T>,
): Promise<void> {
  await recordEvents(tx, producer, type, [{ aggregateId, payload }]);
}

/**
 * recordEvent for many aggregates at once (one per event), in one statement: a user's thousands of
 * posts deleted with their account cost one round trip, not one each, so the deletion fits in its
 * transaction's time limit and in the 5 s its consumers promise.
 */
export async function recordEvents<P extends Producer, T extends EventType<P>>(
  tx: SqlClient,
  producer: P,
  type: T,
  events: readonly { aggregateId: string; payload: Payload<P, T> }[],
): Promise<void> {
  if (events.length === 0) return;
  const version = 1;
  for (const { payload } of events) validatePayload(producer, type, version, payload);
  // One upsert may not touch a row twice.
  if (new Set(events.map((e) => e.aggregateId)).size !== events.length) throw new Error('recordEvents: one event per aggregate');
  await tx.$executeRawUnsafe(
    `WITH next AS (
       INSERT INTO event_sequences (aggregate_id, last) SELECT unnest($1::uuid[]), 1
       ON CONFLICT (aggregate_id) DO UPDATE SET last = event_sequences.last + 1
       RETURNING aggregate_id, last)
     INSERT INTO outbox_events (id, aggregate_id, sequence, type, version, payload)
     SELECT e.id, next.aggregate_id, next.last, $4, $5, e.payload::jsonb
       FROM next JOIN unnest($1::uuid[], $2::uuid[], $3::text[]) AS e(aggregate_id, id, payload) USING (aggregate_id)`,
    events.map((e) => e.aggregateId),
    events.map(() => randomUUID()),
    events.map((e) => JSON.stringify(e.payload)),
    type,
    version,
  );
}

/** Up to `first` events after `after`, oldest first, with the newest position there is (for lag). */
export async function readOutbox(db: SqlClient, after: bigint, first: number): Promise<{ rows: OutboxRow[]; head: bigint }> {
  const rows = await db.$queryRawUnsafe<OutboxRow[]>(
    `SELECT position, id::text, aggregate_id::text, sequence, type, version, payload, occurred_at
       FROM outbox_events WHERE position > $1 ORDER BY position LIMIT $2`,
    after,
    first,
  );
  const [{ head }] = await db.$queryRawUnsafe<{ head: bigint | null }[]>(`SELECT max(position) AS head FROM outbox_events`);
  return { rows, head: head ?? 0n };
}

/** How long outbox events are kept: a follower that has not read one within 30 days never will. */
const RETENTION_MS = 30 * 86_400_000;

/**
 * Deletes events older than the retention that are published (or, on the embedded feed, need no
 * publishing); and processed-event records as old, whose events no transport redelivers any more;
 * and dead letters as old: each was logged when set aside, and anyone able to publish to the
 * broker could otherwise fill the table for ever. Unpublished events and cursors are kept.
 */
export async function purgeEvents(db: SqlClient, { relayed, consumes }: { relayed: boolean; consumes: boolean }): Promise<number> {
  const before = new Date(Date.now() - RETENTION_MS);
  let count = await db.$executeRawUnsafe(
    `DELETE FROM outbox_events WHERE occurred_at < $1 ${relayed ? 'AND published_at IS NOT NULL' : ''}`,
    before,
  );
  if (consumes) {
    count += await db.$executeRawUnsafe(`DELETE FROM processed_events WHERE processed_at < $1`, before);
    count += await db.$executeRawUnsafe(`DELETE FROM dead_letters WHERE created_at < $1`, before);
  }
  return count;
}

/**
 * What a log line may say of a failure in the event machinery: its code or class, never its
 * message (a driver's message can name hosts, URLs or SQL).
 */
export function failureReason(error: unknown): string {
  const { code, name } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; name?: unknown };
  return typeof code === 'string' || typeof code === 'number' ? String(code) : typeof name === 'string' ? name : 'Error';
}
