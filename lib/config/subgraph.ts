import type { JWK } from 'jose';
import { loadSecret, parsePublicKeys } from '../identity/keys';
import { eventsConfig, type EventsConfig } from './events';
import { databaseConfig, type DatabaseConfig } from './database';
import { httpTimeoutsConfig, type HttpTimeouts } from './http';
import { GATEWAY_PUBLIC_KEYS, keySource, servicePublicKeysVariable } from './keys';
import { SERVICE_CALLERS } from '../identity/service-calls';
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
  /**
   * `<SERVICE>_PUBLIC_KEYS` (`MEDIA_PUBLIC_KEYS` on posts and users, `POSTS_PUBLIC_KEYS` on users):
   * the public keys of each service allowed to call this one as itself (lib/identity/service-calls.ts).
   * Required where that service calls: always for media on posts; for a feed reader, without `NATS_URL`.
   */
  serviceKeys: Partial<Record<SubgraphName, JWK[]>>;
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
  // users follows no one's events; posts and media do.
  const events = eventsConfig(name, name !== 'users');
  return {
    name,
    production,
    listen: listenConfig(name),
    gatewayKeys: parsePublicKeys(keys, GATEWAY_PUBLIC_KEYS),
    serviceKeys: serviceKeysOf(name, events.natsUrl !== undefined),
    database: databaseConfig(name),
    cursorSecret: loadSecret(keySource('CURSOR_SECRET', 'cursor-secret')),
    httpTimeouts: httpTimeoutsConfig(),
    events,
  };
}

/** The public keys of the services that may call `name`; a feed reader's only matter without NATS. */
function serviceKeysOf(name: SubgraphName, nats: boolean): Partial<Record<SubgraphName, JWK[]>> {
  const found: Partial<Record<SubgraphName, JWK[]>> = {};
  for (const [service, calls] of Object.entries(SERVICE_CALLERS[name]) as [SubgraphName, { feedOnly: boolean }][]) {
    const variable = servicePublicKeysVariable(service);
    const value = envString(variable);
    if (value) found[service] = parsePublicKeys(value, variable);
    else if (!(calls.feedOnly && nats)) throw new ConfigError(`${variable} is not set: the public key of ${service}, which calls ${name}, as a JWKS (npm start sets it)`);
  }
  return found;
}
