import { randomUUID } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Viewer } from '../../lib/identity/assertion';
import { eventsConfig } from '../../lib/config/events';
import { openDatabase, type Database } from '../../lib/data/database';
import type { DomainEvent } from '../../lib/events/catalogue';
import { connectNats } from '../../lib/events/nats';
import { startEvents, type Events } from '../../lib/events/transport';
import { createLogger } from '../../lib/telemetry/logger';
import { PrismaClient } from '../../subgraphs/media/generated/prisma/client';
import { loadPostsConfig } from '../../subgraphs/posts/config';
import { createPostsSubgraph } from '../../subgraphs/posts/subgraph';
import { gatewayKey, inProcessSubgraph, type InProcessSubgraph } from '../support/in-process';
import { until } from '../support/until';
import { startServiceNats, type ServiceNats } from '../support/nats';
import { createTestDatabases, type TestDatabases } from '../support/test-databases';

/**
 * Both transports held to one contract: the real posts subgraph produces (its outbox, and with
 * NATS its relay), a consumer started with startEvents applies into a real database (media's).
 * Per aggregate, events are applied in order, each once, even when one fails and is retried,
 * when the whole feed is delivered again, and when a poison event is set aside. On NATS, each runs as
 * its own user of deploy/nats/nats-server.conf (posts', media's), which must let it do all of this.
 */
const author: Viewer = { id: randomUUID(), role: 'AUTHOR' };
const MAX_ATTEMPTS = 3;
let nats: ServiceNats;

beforeAll(async () => {
  nats = await startServiceNats();
}, 60_000);
afterAll(() => nats?.destroy());

describe.each(['embedded', 'nats'] as const)('the %s transport', (transport) => {
  let databases: TestDatabases;
  let posts: InProcessSubgraph;
  let consumerDatabase: Database;
  let consumerDb: PrismaClient;
  let events: Events;
  const savedEnv = { ...process.env };
  /** What the consumer applied: `aggregate:sequence:type`, in the order applied. */
  const applied: { aggregateId: string; sequence: number; type: string; id: string }[] = [];
  /** Event ids that fail on their first attempt, and aggregates whose deletion always fails. */
  const failOnce = new Set<string>();
  const failAlways = new Set<string>();
  const attempts = new Map<string, number>();

  beforeAll(async () => {
    databases = await createTestDatabases(['posts', 'media']);
    const key = await gatewayKey();
    Object.assign(process.env, {
      EVENTS_POLL_MS: '50',
      EVENTS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      EVENTS_RETRY_BASE_MS: '50',
      EVENTS_ACK_WAIT_MS: '2000',
      // Posts follows users, which is not here: on the embedded feed, a port where nothing listens.
      USERS_SUBGRAPH_URL: 'http://127.0.0.1:9/graphql',
      MEDIA_SIGNING_KEY: key.serviceKeys.media,
      ...(transport === 'nats' && { NATS_URL: nats.urlOf('posts') }),
    });
    posts = await inProcessSubgraph('posts', createPostsSubgraph, loadPostsConfig, key, databases);
    const port = await posts.service.listen(0, '127.0.0.1');
    process.env.POSTS_SUBGRAPH_URL = `http://127.0.0.1:${port}/graphql`;
    // The consumer is media, with its own credentials.
    if (transport === 'nats') process.env.NATS_URL = nats.urlOf('media');
    consumerDatabase = openDatabase(databases.urls.media!);
    consumerDb = new PrismaClient({ adapter: consumerDatabase.adapter });
    const record = async (event: DomainEvent) => {
      const tried = (attempts.get(event.id) ?? 0) + 1;
      attempts.set(event.id, tried);
      if (failAlways.has(event.aggregateId) && event.type === 'PostDeleted') throw new Error('this deletion always fails');
      if (failOnce.has(event.id) && tried === 1) throw new Error('fails the first time');
      applied.push({ aggregateId: event.aggregateId, sequence: event.sequence, type: event.type, id: event.id });
    };
    events = await startEvents({
      service: 'media',
      db: consumerDb,
      config: eventsConfig('media', true),
      handlers: { posts: { PostPublished: record, PostUnpublished: record, PostDeleted: record } },
      logger: createLogger('media', 'fatal'),
    });
  });

  afterAll(async () => {
    await events?.stop();
    await consumerDb?.$disconnect();
    await consumerDatabase?.close();
    await posts?.stop();
    await databases?.drop();
    process.env = { ...savedEnv };
  });

  const run = async (query: string, variables: Record<string, unknown>) => {
    const result = await posts.run(author, query, variables);
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return result.data;
  };
  const create = async (title: string) => (await run(`mutation($t: String!) { createPost(input: { title: $t, body: "x", status: PUBLISHED }) { id } }`, { t: title })).createPost.id as string;
  const setStatus = (id: string, status: string) => run(`mutation($id: ID!, $s: PostStatus!) { updatePost(id: $id, input: { status: $s }) { id } }`, { id, s: status });
  const remove = (id: string) => run(`mutation($id: ID!) { deletePost(id: $id) }`, { id });
  const outboxIdOf = async (aggregateId: string, sequence: number) =>
    (await posts.sql(`SELECT id::text FROM outbox_events WHERE aggregate_id = $1 AND sequence = $2`, [aggregateId, sequence]))[0].id as string;
  const sequencesOf = (aggregateId: string) => applied.filter((e) => e.aggregateId === aggregateId).map((e) => `${e.sequence}:${e.type}`);
  const deadLetters = async () =>
    (await consumerDb.$queryRawUnsafe<{ event_id: string; type: string; attempts: number }[]>(`SELECT event_id::text, type, attempts FROM dead_letters ORDER BY created_at`));

  let a: string;
  let b: string;
  let c: string;
  const poisonId = randomUUID();

  it('applies each aggregate’s events in order, retrying a failure before the events behind it', async () => {
    a = await create('A');
    b = await create('B');
    await setStatus(a, 'DRAFT');
    failOnce.add(await outboxIdOf(a, 2));
    await setStatus(b, 'DRAFT');
    await setStatus(a, 'PUBLISHED');
    await remove(b);
    await remove(a);
    await until('A and B applied', async () => sequencesOf(a).length === 4 && sequencesOf(b).length === 3);
    expect(sequencesOf(a)).toEqual(['1:PostPublished', '2:PostUnpublished', '3:PostPublished', '4:PostDeleted']);
    expect(sequencesOf(b)).toEqual(['1:PostPublished', '2:PostUnpublished', '3:PostDeleted']);
    // A's second event failed once, and was then applied: twice tried, once applied.
    expect(attempts.get(await outboxIdOf(a, 2))).toBe(2);
  });

  it('sets a poison event aside (dead letter), and the events after it flow on', async () => {
    // Not an event of the catalogue's shape: posts never writes one, a bug or an attacker might.
    await posts.sql(
      `INSERT INTO outbox_events (id, aggregate_id, sequence, type, version, payload) VALUES ($1, $2, 1, 'PostDeleted', 1, '{"postId":"not-an-id"}')`,
      [poisonId, randomUUID()],
    );
    c = await create('C');
    failAlways.add(c);
    await remove(c);
    const after = await create('D');
    await until('D applied', async () => sequencesOf(after).length === 1);
    const letters = await until('two dead letters', async () => {
      const rows = await deadLetters();
      return rows.length === 2 && rows;
    });
    expect(letters).toEqual([
      { event_id: poisonId, type: 'PostDeleted', attempts: 1 },
      { event_id: await outboxIdOf(c, 2), type: 'PostDeleted', attempts: MAX_ATTEMPTS },
    ]);
    expect(sequencesOf(c)).toEqual(['1:PostPublished']);
    expect(attempts.get(await outboxIdOf(c, 2))).toBe(MAX_ATTEMPTS);
  });

  it('applies nothing twice when the whole feed is delivered again', async () => {
    const before = applied.length;
    const total = (await posts.sql(`SELECT count(*)::int AS n FROM outbox_events`))[0].n as number;
    if (transport === 'embedded') {
      // As if the consumer had lost its place: it reads the feed from the start.
      await consumerDb.$executeRawUnsafe(`UPDATE event_cursors SET position = 0`);
      await until('the feed read again to its end', async () => {
        const [row] = await consumerDb.$queryRawUnsafe<{ position: bigint }[]>(`SELECT position FROM event_cursors WHERE feed = 'posts.outbox'`);
        const [head] = await posts.sql(`SELECT max(position)::text AS p FROM outbox_events`);
        return row && String(row.position) === head.p;
      });
    } else {
      // As if the relay had crashed before stamping: it publishes every event again (NATS drops
      // the copies by Nats-Msg-Id), and the durable consumer is recreated from the stream's start.
      await posts.sql(`UPDATE outbox_events SET published_at = NULL`);
      await until('all republished', async () => (await posts.sql(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`))[0].n === 0);
      // An operator's connection: no subgraph may delete a consumer.
      const nc: NatsConnection = await connectNats(nats.operatorUrl, 'operator');
      try {
        const jsm = await jetstreamManager(nc);
        expect((await jsm.streams.info('EVENTS_POSTS')).state.messages).toBe(total);
        await jsm.consumers.delete('EVENTS_POSTS', 'media');
        await until('the stream delivered again to its end', async () => {
          const info = await jsm.consumers.info('EVENTS_POSTS', 'media').catch(() => undefined);
          return info && info.delivered.stream_seq === total && info.num_ack_pending === 0 && info.num_pending === 0;
        });
      } finally {
        await nc.close();
      }
    }
    expect(applied.length).toBe(before);
    expect(new Set(applied.map((e) => e.id)).size).toBe(applied.length);
    // Every event is recorded once: applied, or set aside.
    const [{ n }] = await consumerDb.$queryRawUnsafe<{ n: number }[]>(`SELECT count(*)::int AS n FROM processed_events`);
    expect(n).toBe(total);
  });

  it('reports its lag per producer', async () => {
    await until('no lag', async () => events.lag().posts === 0);
    expect(events.lag()).toEqual({ posts: 0 });
  });
});
