import { createHmac, hkdfSync } from 'node:crypto';
import { ErrorsAreMissesCache, PrefixingKeyValueCache, type KeyValueCache, type KeyValueCacheSetOptions } from '@apollo/utils.keyvaluecache';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterRes } from 'rate-limiter-flexible';
import type { RedisConfig } from '../config/redis';
import { loadPrivateJwk, type KeySource } from '../identity/keys';
import type { Logger } from '../telemetry/logger';

/**
 * State a service's replicas share when `REDIS_URL` is set: the BFFs' response cache, the rate
 * limits, bff-web's refresh reuse window. Redis is a help, never a dependency: every user of this
 * client has a fallback (a cache miss, a limit counted in this process), so a command fails at once
 * while Redis is unreachable (no offline queue, no retry) or after `REDIS_TIMEOUT_MS`, and the
 * client keeps reconnecting in the background. The outage is logged once, and its end.
 */
export function connectRedis(config: RedisConfig & { url: string }, logger: Logger): Redis {
  const client = new Redis(config.url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.timeoutMs,
    connectTimeout: Math.max(config.timeoutMs, 1_000),
    // Every 100 ms at first, then every 2 s at most, for as long as the process runs.
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
  });
  let down = false;
  client.on('error', (error: NodeJS.ErrnoException) => {
    // The code only: the message names the host. A refusal by Redis itself (WRONGPASS, NOAUTH
    // when REDIS_URL lacks the password) starts with its code, which says what to fix.
    const reason = error.code ?? (error.name === 'ReplyError' ? /^[A-Z]+\b/.exec(error.message)?.[0] : undefined) ?? error.name;
    if (!down) logger.warn({ reason }, 'redis unreachable; shared state falls back to this process');
    down = true;
  });
  client.on('ready', () => {
    if (down) logger.info('redis reachable again; shared state is shared again');
    down = false;
  });
  return client;
}

/** Closes `client`, without waiting for a Redis that does not answer. */
export async function disconnectRedis(client: Redis): Promise<void> {
  await client.quit().catch(() => client.disconnect());
}

/**
 * Apollo's KeyValueCache over Redis, the way its in-memory cache is used: `ttl` in seconds. One
 * client for all shared state rather than a Keyv store with a client (and reconnect policy) of its own.
 */
class RedisKeyValueCache implements KeyValueCache<string> {
  constructor(private readonly client: Redis) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (options?.ttl) await this.client.set(key, value, 'PX', Math.ceil(options.ttl * 1000));
    else await this.client.set(key, value);
  }

  async delete(key: string): Promise<void> {
    await this.client.del(key);
  }
}

/**
 * A cache under `prefix` in Redis whose failures are misses: with Redis down, every read goes to
 * the subgraphs (the cache is off) and nothing fails.
 */
export function redisCache(client: Redis, prefix: string): KeyValueCache<string> {
  return new PrefixingKeyValueCache(new ErrorsAreMissesCache(new RedisKeyValueCache(client)), prefix);
}

export interface LimiterOptions {
  points: number;
  /** Seconds. */
  duration: number;
  keyPrefix: string;
}

/** Redis, and how the keys stored there name a client address or an account. */
export interface SharedCounts {
  client: Redis;
  /** From keyNames: the same on every replica of a service. */
  keyName: (value: string) => string;
}

/**
 * How a key in Redis names a client address or an account's email: an HMAC-SHA256 under a key
 * derived from the service's private signing key `source` (already the same on every replica,
 * and required in production), so that whoever reads Redis (a dump, MONITOR, a shared instance)
 * learns neither, nor can test guesses without that key. Rotating the signing key restarts the
 * counts, which only forgives the failures of the current window.
 */
export async function keyNames(source: KeySource): Promise<(value: string) => string> {
  const { json } = await loadPrivateJwk(source);
  const { d } = JSON.parse(json) as { d?: string };
  if (!d) throw new Error(`${source.variable} has no private part`);
  const key = Buffer.from(hkdfSync('sha256', Buffer.from(d, 'base64url'), '', 'redis key names', 32));
  return (value) => createHmac('sha256', key).update(value).digest('base64url');
}

/** What the rate limits use of rate-limiter-flexible's limiters. */
export interface Limiter {
  consume(key: string): Promise<RateLimiterRes>;
  reward(key: string, points: number): Promise<RateLimiterRes>;
  delete(key: string): Promise<boolean>;
}

/**
 * A rate limiter counted in Redis when `shared` is given, so that replicas share one count per
 * key (stored under its keyName, never in clear), else in memory. With Redis unreachable or
 * slower than `REDIS_TIMEOUT_MS` it falls back to counting in this process (rate-limiter-flexible's
 * insurance limiter): the limit then holds per replica, N times looser across N replicas, rather
 * than refusing every sign-in and refresh while Redis is down.
 */
export function sharedLimiter(options: LimiterOptions, shared?: SharedCounts): Limiter {
  const memory = new RateLimiterMemory(options);
  if (!shared) return memory;
  const redis = new RateLimiterRedis({ ...options, storeClient: shared.client, rejectIfRedisNotReady: true, insuranceLimiter: memory });
  const name = shared.keyName;
  return {
    consume: (key) => redis.consume(name(key)),
    reward: (key, points) => redis.reward(name(key), points),
    delete: (key) => redis.delete(name(key)),
  };
}
