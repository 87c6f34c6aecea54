import type { JWK } from 'jose';
import { loadSecret, parsePublicKeys } from '../identity/keys';
import { eventsConfig, type EventsConfig } from './events';
import { databaseConfig, type DatabaseConfig } from './database';
import { httpTimeoutsConfig, type HttpTimeouts } from './http';
import { GATEWAY_PUBLIC_KEYS, keySource, servicePublicKeysVariable, serviceSigningKeyVariable } from './keys';
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
  const gatewayKeys = parsePublicKeys(keys, GATEWAY_PUBLIC_KEYS);
  refuseGatewayKeyAsOwn(name, gatewayKeys);
  return {
    name,
    production,
    listen: listenConfig(name),
    gatewayKeys,
    serviceKeys: serviceKeysOf(name, events.natsUrl !== undefined, gatewayKeys),
    database: databaseConfig(name),
    cursorSecret: loadSecret(keySource('CURSOR_SECRET', 'cursor-secret')),
    httpTimeouts: httpTimeoutsConfig(),
    events,
  };
}

/** The same public key (the same point on the curve), whatever its `kid`. */
function sameKey(a: JWK, b: JWK): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;
}

/**
 * A service that signs as itself (media, posts) must not be given the BFFs' key: with it, it could
 * sign a gateway assertion for any user, an admin too, which is what its own key is there to stop
 * (an easy slip when moving from the one shared key). Checked where the key is set; a key
 * generated under `<DATA_DIR>/keys` is new.
 */
function refuseGatewayKeyAsOwn(name: SubgraphName, gatewayKeys: JWK[]): void {
  if (!Object.values(SERVICE_CALLERS).some((callers) => name in callers)) return;
  const variable = serviceSigningKeyVariable(name);
  const value = envString(variable);
  if (!value) return; // unset: required where it is used (serviceKeySource), generated outside production
  let own: JWK;
  try {
    own = JSON.parse(value);
  } catch {
    return; // not JSON: loading the key names the variable and what it must be
  }
  if (gatewayKeys.some((key) => sameKey(key, own))) {
    throw new ConfigError(`${variable} is the BFFs' gateway key (its public half is in ${GATEWAY_PUBLIC_KEYS}): ${name} must have a key of its own (npm run keys makes one), or it could sign for any user`);
  }
}

/** The public keys of the services that may call `name`; a feed reader's only matter without NATS. */
function serviceKeysOf(name: SubgraphName, nats: boolean, gatewayKeys: JWK[]): Partial<Record<SubgraphName, JWK[]>> {
  const found: Partial<Record<SubgraphName, JWK[]>> = {};
  for (const [service, calls] of Object.entries(SERVICE_CALLERS[name]) as [SubgraphName, { feedOnly: boolean }][]) {
    const variable = servicePublicKeysVariable(service);
    const value = envString(variable);
    if (value) {
      found[service] = parsePublicKeys(value, variable);
      // The BFFs' key among a service's: whoever holds it speaks for users, so the service's key must be its own.
      if (found[service].some((key) => gatewayKeys.some((gateway) => sameKey(key, gateway)))) {
        throw new ConfigError(`${variable} holds a key of ${GATEWAY_PUBLIC_KEYS}: ${service} must sign with a key of its own (npm run keys makes one), not the BFFs'`);
      }
    } else if (!(calls.feedOnly && nats)) throw new ConfigError(`${variable} is not set: the public key of ${service}, which calls ${name}, as a JWKS (npm start sets it)`);
  }
  return found;
}
