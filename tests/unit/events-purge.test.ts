import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import { purgeEvents } from '../../lib/events/outbox';
import { PrismaClient } from '../../subgraphs/posts/generated/prisma/client';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';

/** The daily purge bounds the event tables: what it deletes after 30 days, and what it keeps. */
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
