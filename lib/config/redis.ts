import { envMs, envUrl } from './env';

/** Where state shared by a service's replicas lives (lib/data/redis.ts). */
export interface RedisConfig {
  /** `REDIS_URL` (`redis://` or `rediss://`); unset: each process keeps its state in memory. */
  url?: string;
  /**
   * How long one Redis command may take before the caller treats Redis as down and falls back
   * (cache miss, local rate limit). `REDIS_TIMEOUT_MS`, @default 500
   */
  timeoutMs: number;
}

export function redisConfig(): RedisConfig {
  return {
    url: envUrl('REDIS_URL', undefined, { protocols: ['redis:', 'rediss:'] }),
    timeoutMs: envMs('REDIS_TIMEOUT_MS', 500, { min: 10, max: 60_000 }),
  };
}
