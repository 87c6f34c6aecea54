import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ResilienceSettings } from '../resilience/breaker';
import type { QueryLimits } from '../graphql/query-limits';
import { queryLimitsConfig } from './query-limits';
import { resilienceConfig } from './resilience';
import { ConfigError, envBool, envMs, envString, envUrl, isProduction, listenConfig, type ListenConfig } from './env';
import { httpTimeoutsConfig, trustProxyConfig, type HttpTimeouts } from './http';
import { GATEWAY_SIGNING_KEY, keySource } from './keys';
import { mediaProxyConfig, type MediaProxyOptions } from './media-proxy';
import { rateLimitConfig, refusalHoldConfig, type RefusalHoldSettings, type SessionLimitSettings } from './rate-limits';
import { redisConfig, type RedisConfig } from './redis';
import { subgraphUrls } from './subgraph-urls';
import { tokenConfig, type TokenConfig } from './tokens';
import { SUPERGRAPH_SDL } from '../graphql/composition';
import type { KeySource } from '../identity/keys';


/** What both BFFs read the same way; bff-web/config.ts and bff-mobile/config.ts add their own. */
export interface BffConfig {
  /** `NODE_ENV=production`: keys must be set, Sandbox and introspection default to off. */
  production: boolean;
  /** `BFF_WEB_PORT` / `BFF_MOBILE_PORT` (@default 4000 / 4100; 0 picks a free one), `HOST`, `LOG_LEVEL`. */
  listen: ListenConfig;
  /** Subgraph GraphQL URLs by name (supergraph.yaml, `<NAME>_SUBGRAPH_URL`). */
  subgraphUrls: Record<string, string>;
  /** Where users publishes its token keys. `USERS_JWKS_URL`, @default `/.well-known/jwks.json` on users. */
  jwksUrl: string;
  tokens: TokenConfig;
  /** The private JWK of gateway assertions: `GATEWAY_SIGNING_KEY`, or a generated development key. */
  signingKey: KeySource;
  /** Apollo Sandbox's landing page. `ENABLE_SANDBOX`, @default !production */
  sandbox: boolean;
  /** `ENABLE_INTROSPECTION`, @default !production */
  introspection: boolean;
  /** Anonymous reads answered from memory while their cache hints allow. `RESPONSE_CACHE`, @default true */
  responseCache: boolean;
  /** How often users' session revocations are read. `REVOCATIONS_POLL_MS`, @default 1000 */
  revocationsPollMs: number;
  /** `TRUST_PROXY`, @default false (lib/config/http.ts). */
  trustProxy: boolean;
  sessionLimits: SessionLimitSettings;
  /** How long a refused session operation's 429 is held. `SESSION_REFUSAL_HOLD_MS` (1000), `SESSION_REFUSAL_HOLD_MAX` (1000). */
  refusalHold: RefusalHoldSettings;
  /** `REDIS_URL`, `REDIS_TIMEOUT_MS`: the response cache, rate limits and bff-web's refresh window shared by replicas. */
  redis: RedisConfig;
  mediaProxy: MediaProxyOptions;
  httpTimeouts: HttpTimeouts;
  queryLimits: QueryLimits;
  /** Timeouts and breaker settings per subgraph. */
  resilience: Record<string, ResilienceSettings>;
  supergraph: SupergraphSourceConfig;
}

/** Where the supergraph comes from, and where its new versions come from while the BFF runs (bff/supergraph-source.ts). */
export interface SupergraphSourceConfig {
  /** The supergraph the BFF starts with, watched for changes. `SUPERGRAPH_PATH`, @default supergraph.graphql */
  file: string;
  /** Also polled for a new supergraph when set. `SUPERGRAPH_URL`, @default unset */
  url?: string;
  /** How often `url` is polled. `SUPERGRAPH_POLL_MS`, @default 10000 */
  pollMs: number;
}

/** `SUPERGRAPH_PATH`: a file that exists, since the BFF starts from it. */
function supergraphPath(): string {
  const file = path.resolve(envString('SUPERGRAPH_PATH', SUPERGRAPH_SDL));
  if (!existsSync(file)) throw new ConfigError(`SUPERGRAPH_PATH must name an existing supergraph file; got "${envString('SUPERGRAPH_PATH', SUPERGRAPH_SDL)}"`);
  return file;
}

export function bffConfig(service: 'bff-web' | 'bff-mobile'): BffConfig {
  const production = isProduction();
  const trustProxy = trustProxyConfig();
  const urls = subgraphUrls();
  const resilience = Object.fromEntries(Object.keys(urls).map((name) => [name, resilienceConfig(name)]));
  return {
    production,
    listen: listenConfig(service),
    subgraphUrls: urls,
    jwksUrl: envUrl('USERS_JWKS_URL', new URL('/.well-known/jwks.json', urls.users).toString()),
    tokens: tokenConfig(),
    signingKey: keySource(GATEWAY_SIGNING_KEY, 'gateway-signing.jwk.json'),
    sandbox: envBool('ENABLE_SANDBOX', !production),
    introspection: envBool('ENABLE_INTROSPECTION', !production),
    responseCache: envBool('RESPONSE_CACHE', true),
    revocationsPollMs: envMs('REVOCATIONS_POLL_MS', 1_000, { min: 10, max: 3_600_000 }),
    trustProxy,
    sessionLimits: rateLimitConfig(),
    refusalHold: refusalHoldConfig(),
    redis: redisConfig(),
    mediaProxy: { ...mediaProxyConfig(), trustProxy, downloadTimeoutMs: resilience.media.timeoutMs },
    httpTimeouts: httpTimeoutsConfig(),
    queryLimits: queryLimitsConfig(),
    resilience,
    supergraph: {
      file: supergraphPath(),
      url: envUrl('SUPERGRAPH_URL'),
      pollMs: envMs('SUPERGRAPH_POLL_MS', 10_000, { min: 100 }),
    },
  };
}
