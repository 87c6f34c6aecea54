import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import pino from 'pino';
import { connectRedis, disconnectRedis } from '../../lib/data/redis';
import { startRedis, type TestRedis } from '../support/redis';

/**
 * REDIS_URL against a redis-server of the test's own that requires a password: with the wrong one
 * the log says what Redis refused (WRONGPASS), never the password or the URL; with the right one
 * the client is ready.
 */
const PASSWORD = 'correct-h0rse-battery';
let redis: TestRedis;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis({ args: ['--requirepass', PASSWORD] });
});
afterAll(async () => {
  await Promise.all(clients.map(disconnectRedis));
  await redis?.stop();
});

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

it('logs what Redis refused, without the password, when REDIS_URL has the wrong one', async () => {
  const { lines, logger } = capture();
  const url = redis.url.replace('redis://', 'redis://:wrong-s3cret@');
  clients.push(connectRedis({ url, timeoutMs: 500 }, logger));
  await until(() => lines.length > 0);
  const entry = JSON.parse(lines[0]) as { reason?: string; msg?: string };
  expect(entry).toMatchObject({ reason: 'WRONGPASS', msg: 'redis unreachable; shared state falls back to this process' });
  expect(lines.join('')).not.toMatch(/s3cret|127\.0\.0\.1/);
});

it('connects with the password in REDIS_URL', async () => {
  const { lines, logger } = capture();
  const client = connectRedis({ url: redis.url.replace('redis://', `redis://:${PASSWORD}@`), timeoutMs: 500 }, logger);
  clients.push(client);
  await until(() => client.status === 'ready');
  expect(await client.ping()).toBe('PONG');
  expect(lines).toEqual([]);
});
