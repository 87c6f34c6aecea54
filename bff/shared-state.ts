import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import type { Redis } from 'ioredis';
import type { BffConfig } from '../lib/config/bff';
import { connectRedis, disconnectRedis, keyNames, redisCache } from '../lib/data/redis';
import type { Logger } from '../lib/telemetry/logger';
import { sessionLimits, type SessionLimits } from './rate-limits';

/**
 * What a BFF's replicas share when `REDIS_URL` is set, and keep in memory otherwise. Circuit
 * breakers stay per process (each replica judges its own calls), and so do session revocations:
 * every replica follows users' revocation feed, which is already the shared copy.
 */
export interface BffSharedState {
  /** Per-address limits of session operations. */
  sessionLimits: SessionLimits;
  /** The response cache in Redis, under the BFF's name; undefined: Apollo's in-memory cache. */
  responseCache?: KeyValueCache<string>;
  /** The client, for what a BFF shares on its own (bff-web's refresh window); undefined without `REDIS_URL`. */
  redis?: Redis;
  stop(): Promise<void>;
}

export async function bffSharedState(service: 'bff-web' | 'bff-mobile', config: Pick<BffConfig, 'redis' | 'sessionLimits' | 'signingKey'>, logger: Logger): Promise<BffSharedState> {
  const { url } = config.redis;
  // Client addresses are named in Redis by an HMAC under the gateway's signing key, shared by the replicas.
  const keyName = url ? await keyNames(config.signingKey) : undefined;
  const redis = url ? connectRedis({ ...config.redis, url }, logger) : undefined;
  return {
    sessionLimits: sessionLimits(config.sessionLimits, redis && keyName && { client: redis, keyName, service }),
    responseCache: redis && redisCache(redis, `${service}:responses:`),
    redis,
    async stop() {
      if (redis) await disconnectRedis(redis);
    },
  };
}
