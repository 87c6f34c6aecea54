import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { eventProcessor } from '../../lib/events/consumer';
import { purgeEvents, recordEvent, recordEvents, type SqlClient } from '../../lib/events/outbox';
import { deletePosts } from '../../subgraphs/posts/data';
import { createLogger } from '../../lib/telemetry/logger';
import { PrismaClient } from '../../subgraphs/posts/generated/prisma/client';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';

/** The event tables on a real database: a deletion's events in bulk, dead-lettering what PostgreSQL finds awkward, and the daily purge. */
let databases: TestDatabases;
let db: PrismaClient;

beforeAll(async () => {
  databases = await createTestDatabases(['posts']);
  db = new PrismaClient({ adapter: new PrismaPg({ connectionString: databases.urls.posts }) });
}, 60_000);
afterAll(async () => {
  await db?.$disconnect();
  await databases?.drop();
});

const old = "now() - interval '31 days'";
const recent = "now() - interval '29 days'";

async function outbox(occurredAt: string, published: boolean): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(
    `INSERT INTO outbox_events (id, aggregate_id, sequence, type, version, payload, occurred_at, published_at)
     VALUES ($1::uuid, $2::uuid, 1, 'PostDeleted', 1, '{}'::jsonb, ${occurredAt}, ${published ? occurredAt : 'NULL'})`,
    id,
    randomUUID(),
  );
  return id;
}
async function processed(at: string): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(`INSERT INTO processed_events (event_id, producer, processed_at) VALUES ($1::uuid, 'users', ${at})`, id);
  return id;
}
async function deadLetter(at: string): Promise<string> {
  const id = randomUUID();
  await db.$executeRawUnsafe(
    `INSERT INTO dead_letters (event_id, producer, type, event, error, attempts, created_at) VALUES ($1::uuid, 'users', 'UserDeleted', '{}'::jsonb, 'x', 5, ${at})`,
    id,
  );
  return id;
}
const ids = async (sql: string) => (await db.$queryRawUnsafe<{ id: string }[]>(sql)).map((row) => row.id).sort();

it('deletes published events, processed-event records and dead letters past 30 days, and keeps the rest', async () => {
  const keep = {
    unpublished: await outbox(old, false),
    recentEvent: await outbox(recent, true),
    recentProcessed: await processed(recent),
    recentDead: await deadLetter(recent),
  };
  await outbox(old, true);
  await processed(old);
  await deadLetter(old);

  expect(await purgeEvents(db, { relayed: true, consumes: true })).toBe(3);

  expect(await ids('SELECT id::text AS id FROM outbox_events')).toEqual([keep.unpublished, keep.recentEvent].sort());
  expect(await ids('SELECT event_id::text AS id FROM processed_events')).toEqual([keep.recentProcessed]);
  expect(await ids('SELECT event_id::text AS id FROM dead_letters')).toEqual([keep.recentDead]);
});

it('dead-letters a malformed event carrying NUL characters, so the events behind it flow on', async () => {
  const processor = eventProcessor('posts', db, { users: { UserDeleted: async () => undefined } }, { maxAttempts: 3, retryBaseMs: 10 }, createLogger('posts', 'silent'));
  const id = randomUUID();
  // As anyone able to publish to the broker could send it: PostgreSQL refuses NUL in text and jsonb.
  const raw = { id, producer: 'users\u0000', type: 'UserDeleted\u0000', aggregateId: randomUUID(), sequence: 1, version: 1, occurredAt: new Date().toISOString(), payload: { 'a\u0000b': 'c\u0000\u0000d', e: '\\u0000' } };

  await expect(processor.process(raw, 1)).resolves.toEqual({ done: true });

  const [row] = await db.$queryRawUnsafe<{ type: string; event: { payload: Record<string, string> } }[]>('SELECT type, event FROM dead_letters WHERE event_id = $1::uuid', id);
  expect(row.type).toBe('UserDeleted\uFFFD');
  expect(row.event.payload).toEqual({ 'a\uFFFDb': 'c\uFFFD\uFFFDd', e: '\\u0000' });
  // Recorded as processed: a redelivery of it is skipped.
  expect(await processor.processed([id])).toEqual(new Set([id]));
});

it("records a PostDeleted for each of a deleted author's many posts, each after its post's earlier events", async () => {
  const author = randomUUID();
  const n = 5_000;
  await db.$executeRawUnsafe(`INSERT INTO posts (author_id, title, body, body_html, updated_at) SELECT $1::uuid, 't', 'b', 'b', now() FROM generate_series(1, ${n})`, author);
  const [published] = await db.$queryRawUnsafe<{ id: string }[]>('SELECT id::text FROM posts WHERE author_id = $1::uuid LIMIT 1', author);
  await recordEvent(db, 'posts', 'PostPublished', published.id, { postId: published.id, authorId: author });

  expect(await db.$transaction((tx) => deletePosts(tx, { authorId: author }), { timeout: 30_000 })).toBe(n);

  const events = await db.$queryRawUnsafe<{ aggregate_id: string; sequence: number; payload: { postId: string; authorId: string } }[]>(
    `SELECT aggregate_id::text, sequence, payload FROM outbox_events WHERE type = 'PostDeleted' AND payload->>'authorId' = $1`,
    author,
  );
  expect(events).toHaveLength(n);
  expect(new Set(events.map((e) => e.aggregate_id)).size).toBe(n);
  for (const event of events) expect(event.payload).toEqual({ postId: event.aggregate_id, authorId: author });
  expect(events.find((e) => e.aggregate_id === published.id)?.sequence).toBe(2);
  expect(events.filter((e) => e.sequence === 1)).toHaveLength(n - 1);
  // A second event for one aggregate in one batch would fail the upsert: refused before any SQL.
  await expect(
    db.$transaction((tx) =>
      recordEvents(tx as SqlClient, 'posts', 'PostDeleted', [1, 2].map(() => ({ aggregateId: published.id, payload: { postId: published.id, authorId: author } }))),
    ),
  ).rejects.toThrow('one event per aggregate');
}, 120_000);
