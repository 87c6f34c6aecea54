import type { JWK } from 'jose';
import { loadSecret, parsePublicKeys } from '../identity/keys';
import { eventsConfig, type EventsConfig } from './events';
import { databaseConfig, type DatabaseConfig } from './database';
import { httpTimeoutsConfig, type HttpTimeouts } from './http';
import { GATEWAY_PUBLIC_KEYS, keySource } from './keys';
import { ConfigError, envString, isProduction, listenConfig, type ListenConfig, type SubgraphName } from './env';


/** What every subgraph process reads the same way; each subgraph's config.ts adds its own. */
export interface SubgraphConfig {
  name: SubgraphName;
  /** `NODE_ENV=production`: secrets must be set. */
  production: boolean;
  /** `<NAME>_PORT` (default 4001, 4002, 4003; 0 picks a free one), `HOST` and `LOG_LEVEL`. */
  listen: ListenConfig;
  /** `GATEWAY_PUBLIC_KEYS`, required: the BFFs' public keys; only requests they signed are served. */
  gatewayKeys: JWK[];
  database: DatabaseConfig;
  /**
   * `CURSOR_SECRET` (at least 32 characters; required in production, the same on every replica):
   * what seals list cursors. Outside production, generated once under `<DATA_DIR>/keys`.
   */
  cursorSecret: string;
  /** `HTTP_HEADERS_TIMEOUT_MS`, `HTTP_REQUEST_TIMEOUT_MS` (lib/config/http.ts). */
  httpTimeouts: HttpTimeouts;
  /** `NATS_URL`, `EVENTS_*` (lib/config/events.ts): how domain events are carried. */
  events: EventsConfig;
}

export function subgraphConfig(name: SubgraphName): SubgraphConfig {
  const production = isProduction();
  const keys = envString(GATEWAY_PUBLIC_KEYS);
  if (!keys) throw new ConfigError(`${GATEWAY_PUBLIC_KEYS} is not set: the BFFs' public keys, as a JWKS (npm start sets it)`);
  return {
    name,
    production,
    listen: listenConfig(name),
    gatewayKeys: parsePublicKeys(keys, GATEWAY_PUBLIC_KEYS),
    database: databaseConfig(name),
    cursorSecret: loadSecret(keySource('CURSOR_SECRET', 'cursor-secret')),
    httpTimeouts: httpTimeoutsConfig(),
    // users follows no one's events; posts and media do.
    events: eventsConfig(name !== 'users'),
  };
}
