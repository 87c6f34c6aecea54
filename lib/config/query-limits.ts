import type { QueryLimits } from '../graphql/query-limits';
import { envInt } from './env';

/**
 * The query limits both BFFs apply (lib/graphql/query-limits.ts), from `MAX_QUERY_TOKENS`
 * (default 500), `MAX_QUERY_DEPTH` (12), `MAX_QUERY_ALIASES` (30), `MAX_ROOT_FIELDS` (15) and
 * `MAX_QUERY_COST` (25000). Called from each BFF's config.
 */
export function queryLimitsConfig(): QueryLimits {
  return {
    tokens: envInt('MAX_QUERY_TOKENS', 500, { min: 100 }),
    depth: envInt('MAX_QUERY_DEPTH', 12, { min: 1 }),
    aliases: envInt('MAX_QUERY_ALIASES', 30, { min: 0 }),
    rootFields: envInt('MAX_ROOT_FIELDS', 15, { min: 1 }),
    cost: envInt('MAX_QUERY_COST', 25_000, { min: 1 }),
  };
}
