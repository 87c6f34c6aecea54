import type { KeySource } from '../identity/keys';
import { ConfigError, envInt, envMs, envUrl } from './env';
import type { SubgraphName } from './env';
import { GATEWAY_SIGNING_KEY, keySource, serviceKeySource } from './keys';
import { subgraphUrls } from './subgraph-urls';

/** How a subgraph carries its domain events and follows others' (README "Events"). */
export interface EventsConfig {
  /** `NATS_URL` (nats://…), unset by default: NATS JetStream when set, else the embedded pull feed. */
  natsUrl: string | undefined;
  /** `EVENTS_POLL_MS`, at least 10, default 500: how often the embedded feed is read, and the outbox relayed to NATS. */
  pollMs: number;
  /** `EVENTS_MAX_ATTEMPTS`, 1–100, default 5: failures after which an event is dead-lettered. */
  maxAttempts: number;
  /** `EVENTS_RETRY_BASE_MS`, 10–60000, default 500: the first retry's delay, doubled on each further failure (at most 30 s). */
  retryBaseMs: number;
  /** `EVENTS_ACK_WAIT_MS`, 1000–600000, default 10000 (NATS): how long an unacknowledged event waits before redelivery. */
  ackWaitMs: number;
  /** `<SERVICE>_SIGNING_KEY` (`POSTS_SIGNING_KEY`, `MEDIA_SIGNING_KEY`): what a consumer signs its reads of other services' feeds with, as itself; only a consumer on the embedded transport reads it. */
  signingKey: KeySource | undefined;
  /** Each producer's origin, where its `GET /events` feed is: from `<NAME>_SUBGRAPH_URL` or supergraph.yaml. */
  origins: Record<string, string>;
}

/** `consumer`: the service follows others' events (posts, media), so on the embedded feed it signs its reads. */
export function eventsConfig(service: SubgraphName, consumer: boolean): EventsConfig {
  const natsUrl = envUrl('NATS_URL', undefined, { protocols: ['nats:', 'tls:'] });
  // `nats://users:@host`, a password left empty (an unset secret): the client would send "users" as a token.
  if (natsUrl && /^[a-z]+:\/\/[^/@]*:@/i.test(natsUrl)) throw new ConfigError('NATS_URL has a user and an empty password');
  return {
    natsUrl,
    pollMs: envMs('EVENTS_POLL_MS', 500, { min: 10 }),
    maxAttempts: envInt('EVENTS_MAX_ATTEMPTS', 5, { min: 1, max: 100 }),
    retryBaseMs: envMs('EVENTS_RETRY_BASE_MS', 500, { min: 10, max: 60_000 }),
    ackWaitMs: envMs('EVENTS_ACK_WAIT_MS', 10_000, { min: 1_000, max: 600_000 }),
    signingKey: consumer && !natsUrl ? serviceKeySource(service) : undefined,
    origins: feedOrigins(),
  };
}

/** Each producer's origin, where its `GET /events` feed is. */
function feedOrigins(): Record<string, string> {
  return Object.fromEntries(Object.entries(subgraphUrls()).map(([name, url]) => [name, new URL(url).origin]));
}

/** What `npm run events -- tail` reads: the key it signs its reads with (the BFFs' gateway key: an operator's tool), and where the feeds are. */
export function eventsTailConfig(): Pick<EventsConfig, 'origins'> & { signingKey: KeySource } {
  return { signingKey: keySource(GATEWAY_SIGNING_KEY, 'gateway-signing.jwk.json'), origins: feedOrigins() };
}
