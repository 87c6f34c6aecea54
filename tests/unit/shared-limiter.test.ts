import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { RateLimiterRes } from 'rate-limiter-flexible';
import { connectRedis, disconnectRedis, keyNames, sharedLimiter } from '../../lib/data/redis';
import type { KeySource } from '../../lib/identity/keys';
import { createLogger } from '../../lib/telemetry/logger';
import { startRedis, type TestRedis } from '../support/redis';

/**
 * The rate limits in a redis-server of the test's own, as two replicas count them: one count per
 * key whichever replica spends it; the key never holds the address or email in clear; with Redis
 * slower than REDIS_TIMEOUT_MS, the count goes on in the process instead of failing open.
 */
let redis: TestRedis;
let dataDir: string;
const clients: Redis[] = [];
const logger = createLogger('test', 'silent');
const TIMEOUT_MS = 200;
/** A replica's client, once connected (before that, a limiter counts in its process). */
const connect = async () => {
  const client = connectRedis({ url: redis.url, timeoutMs: TIMEOUT_MS }, logger);
  clients.push(client);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
  return client;
};
/** A development key file under DATA_DIR, generated once: the same for every "replica" here. */
const source = (file: string): KeySource => ({ variable: 'AUTH_SIGNING_KEY', file, production: false, dataDir });
const limiter = async (client: Redis, file = 'signing.jwk.json') =>
  sharedLimiter({ points: 3, duration: 60, keyPrefix: 'users:sign-in-account' }, { client, keyName: await keyNames(source(file)) });
const spent = (promise: Promise<unknown>) => promise.then(
  () => 'allowed',
  (error) => (error instanceof RateLimiterRes ? 'refused' : error),
);

beforeAll(async () => {
  redis = await startRedis();
  dataDir = mkdtempSync(path.join(tmpdir(), 'shared-limiter-'));
});
afterAll(async () => {
  await Promise.all(clients.map(disconnectRedis));
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

it('shares one count per account between replicas, stored under a keyed hash of it', async () => {
  const [a, b] = [await limiter(await connect()), await limiter(await connect())];
  const email = 'alice@example.com';
  expect([await spent(a.consume(email)), await spent(b.consume(email)), await spent(a.consume(email))]).toEqual(['allowed', 'allowed', 'allowed']);
  expect(await spent(b.consume(email))).toBe('refused');

  const keys = await redis.client().keys('*');
  expect(keys).toHaveLength(1);
  expect(keys[0]).toMatch(/^users:sign-in-account:[\w-]{43}$/);
  expect(keys[0]).not.toContain('alice');
  // Keyed: whoever lacks the signing key cannot name (or guess-and-check) an account's count.
  const other = await limiter(await connect(), 'another.jwk.json');
  expect(await spent(other.consume(email))).toBe('allowed');
});

it('counts in the process, still refusing, while Redis answers slower than REDIS_TIMEOUT_MS', async () => {
  const replica = await limiter(await connect());
  const email = 'slow@example.com';
  await replica.consume(email); // connected, and one attempt counted in Redis
  const pause = redis.client();
  await pause.client('PAUSE', 3_000, 'ALL');
  try {
    const started = performance.now();
    expect([await spent(replica.consume(email)), await spent(replica.consume(email)), await spent(replica.consume(email))]).toEqual(['allowed', 'allowed', 'allowed']);
    // Each attempt waited for Redis at most about REDIS_TIMEOUT_MS, not for the pause to end.
    expect(performance.now() - started).toBeLessThan(3 * TIMEOUT_MS + 1_000);
    expect(await spent(replica.consume(email))).toBe('refused');
  } finally {
    await pause.client('UNPAUSE');
  }
});
