import type { ResilienceSettings } from '../resilience/breaker';
import { envInt, envMs } from './env';

/**
 * A BFF's timeout and breaker for calls to `subgraph` (lib/resilience): `<NAME>_SUBGRAPH_TIMEOUT_MS`,
 * else `SUBGRAPH_TIMEOUT_MS` (default 2000); `BREAKER_FAILURE_THRESHOLD` (default 5);
 * `BREAKER_RESET_MS` (default 2000). Called from each BFF's config.
 */
export function resilienceConfig(subgraph: string): ResilienceSettings {
  const timeout = envMs('SUBGRAPH_TIMEOUT_MS', 2_000, { min: 10, max: 120_000 });
  return {
    timeoutMs: envMs(`${subgraph.toUpperCase()}_SUBGRAPH_TIMEOUT_MS`, timeout, { min: 10, max: 120_000 }),
    failureThreshold: envInt('BREAKER_FAILURE_THRESHOLD', 5, { min: 1 }),
    resetMs: envMs('BREAKER_RESET_MS', 2_000, { min: 10 }),
  };
}
