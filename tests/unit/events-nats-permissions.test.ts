import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Producer } from '../../lib/events/catalogue';
import type { EventProcessor } from '../../lib/events/consumer';
import { connectNats, consumeStream, ensureStream, streamName, subjectOf } from '../../lib/events/nats';
import { createLogger } from '../../lib/telemetry/logger';
import { NATS_CONFIG, startNats, type TestNats } from '../../tooling/nats-server';
import { generateKeys } from '../support/deployment';
import { until } from '../support/until';

/**
 * deploy/nats/nats-server.conf, with the passwords `npm run keys` writes: each subgraph publishes only
 * its own events and reaches only its own stream and durable consumers. A subgraph taken over (media
 * here) cannot make posts act on an event users never published.
 */
let nats: TestNats;
const connections: NatsConnection[] = [];
let asService: (service: Producer) => Promise<NatsConnection>;

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'nats-permissions-'));
  let keys: Record<string, string>;
  try {
    keys = generateKeys(path.join(dir, '.env'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const passwords = Object.fromEntries(['USERS', 'POSTS', 'MEDIA'].map((name) => [`${name}_NATS_PASSWORD`, keys[`${name}_NATS_PASSWORD`]]));
  nats = await startNats({ config: NATS_CONFIG, env: passwords });
  asService = async (service) => {
    const url = nats.url.replace('nats://', `nats://${service}:${keys[`${service.toUpperCase()}_NATS_PASSWORD`]}@`);
    const connection = await connectNats(url, service);
    connections.push(connection);
    return connection;
  };
}, 60_000);
afterAll(async () => {
  for (const connection of connections) await connection.close();
  await nats?.destroy();
});

const event = (n: number, userId: string) => JSON.stringify({ id: `event-${n}`, producer: 'users', type: 'UserDeleted', payload: { userId } });

it('refuses a service that publishes another service’s events, and the consumer never sees them', async () => {
  const users = await asService('users');
  const media = await asService('media');
  const posts = await asService('posts');
  await ensureStream(await jetstreamManager(users), 'users');
  await jetstream(users).publish(subjectOf('users', 'UserDeleted'), event(1, 'first'), { msgID: 'event-1' });

  // media forges a deletion of users' own making, and its own stream's publish is all it may do.
  await expect(jetstream(media).publish(subjectOf('users', 'UserDeleted'), event(2, 'victim'), { msgID: 'event-2', timeout: 2_000 })).rejects.toThrow();
  // Nor does a plain (not JetStream) publish reach the stream.
  media.publish(subjectOf('users', 'UserDeleted'), event(3, 'victim'));
  await media.flush();
  await jetstream(users).publish(subjectOf('users', 'UserDeleted'), event(4, 'last'), { msgID: 'event-4' });

  // posts, under its own user, creates its durable consumer, pulls and acknowledges: only users' two events.
  const seen: string[] = [];
  const processor = { process: async (raw: unknown) => (seen.push((raw as { payload: { userId: string } }).payload.userId), { done: true as const }) } as unknown as EventProcessor;
  const consumer = consumeStream('posts', 'users', processor, Promise.resolve(posts), { maxAttempts: 3, retryBaseMs: 50, ackWaitMs: 2_000, pollMs: 50 }, createLogger('posts', 'fatal'));
  try {
    await until('posts has users’ last event', async () => seen.includes('last'), 20_000);
    const jsm = await jetstreamManager(users);
    expect(seen).toEqual(['first', 'last']);
    expect((await jsm.streams.info(streamName('users'))).state.messages).toBe(2);
    // Acknowledged: nothing pending or unacknowledged on posts' consumer.
    await until('posts acknowledged them', async () => {
      const info = await (await jetstreamManager(posts)).consumers.info(streamName('users'), 'posts');
      return info.num_pending + info.num_ack_pending === 0;
    }, 10_000);
  } finally {
    await consumer.stop();
  }
}, 60_000);

it('refuses a service that deletes, changes or reads from another’s stream or consumers', async () => {
  const users = await asService('users');
  const media = await asService('media');
  await ensureStream(await jetstreamManager(users), 'users');
  const jsm = await jetstreamManager(media);
  // Its own stream: allowed.
  await ensureStream(jsm, 'media');
  await jetstream(media).publish(subjectOf('media', 'MediaDeleted'), '{}', { msgID: 'media-1' });

  await expect(jsm.streams.delete(streamName('users'))).rejects.toThrow();
  await expect(jsm.streams.purge(streamName('users'))).rejects.toThrow();
  await expect(jsm.streams.update(streamName('users'), { subjects: ['events.users.>', 'events.forged.>'] })).rejects.toThrow();
  // posts' durable consumer on users' stream is posts' alone: media can neither take it over nor pull from it.
  await expect(jsm.consumers.add(streamName('users'), { durable_name: 'posts' })).rejects.toThrow();
  await expect(jetstream(media).consumers.get(streamName('users'), 'posts')).rejects.toThrow();
  // Nor read the replies others get (their pulled events): a subscription to their inboxes is refused.
  const snoop = media.subscribe('_INBOX_posts.>');
  await expect(snoop.closed).resolves.toBeInstanceOf(Error);

  const stream = await (await jetstreamManager(users)).streams.info(streamName('users'));
  expect(stream.config.subjects).toEqual(['events.users.>']);
}, 60_000);
