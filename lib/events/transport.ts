import type { NatsConnection } from '@nats-io/transport-node';
import type { EventsConfig } from '../config/events';
import { serviceAssertionSigner } from '../identity/assertion';
import { loadSigningKey } from '../identity/keys';
import type { Logger } from '../telemetry/logger';
import type { Producer } from './catalogue';
import { eventProcessor, type Handlers } from './consumer';
import { followFeed } from './feed';
import { connectNats, consumeStream, relayOutbox } from './nats';
import type { TransactionalSqlClient } from './outbox';

export interface EventsOptions {
  /** The service: the durable consumer's name on NATS, the service assertion's issuer on the embedded feed. */
  service: Producer;
  db: TransactionalSqlClient;
  config: EventsConfig;
  /** What this service does with others' events, by producer and type; none for a pure producer. */
  handlers?: Handlers;
  logger: Logger;
}

export interface Events {
  /** `NATS_URL` set: JetStream; else the embedded pull feed. */
  transport: 'nats' | 'embedded';
  /** Each followed producer's events this service has not applied yet (for a lag gauge). */
  lag(): Record<string, number>;
  stop(): Promise<void>;
}

/**
 * Starts a subgraph's side of the events: with NATS, the relay of its outbox and a durable consumer
 * per producer it follows; without, a follower of each such producer's `GET /events` feed (the
 * producer's own feed route is a route of the subgraph: lib/events/feed.ts). Nothing here waits
 * for the broker: a service starts, and serves, while NATS is down.
 */
export async function startEvents({ service, db, config, handlers = {}, logger }: EventsOptions): Promise<Events> {
  const log = logger.child({ component: 'events' });
  const processor = eventProcessor(service, db, handlers, config, log);
  const followed = Object.keys(handlers) as Producer[];
  const parts: { producer?: Producer; lag?: () => number; stop(): Promise<void> }[] = [];

  if (config.natsUrl) {
    let connection: NatsConnection | undefined;
    const nc: Promise<NatsConnection> = connectNats(config.natsUrl, service);
    nc.then((c) => (connection = c), () => undefined);
    parts.push(relayOutbox(service, db, nc, config.pollMs, log));
    for (const producer of followed) parts.push({ producer, ...consumeStream(service, producer, processor, nc, config, log) });
    // Last: the relay and consumers stop first. (Never connected: nothing to close.)
    parts.push({ stop: async () => void (await connection?.close()) });
  } else if (followed.length) {
    if (!config.signingKey) throw new Error(`a consumer on the embedded feed needs ${service.toUpperCase()}_SIGNING_KEY`);
    // Each producer's feed is read with an assertion of this service, for that producer only.
    const sign = serviceAssertionSigner(await loadSigningKey(config.signingKey), service);
    for (const producer of followed) {
      const origin = config.origins[producer];
      if (!origin) throw new Error(`no origin for ${producer}'s event feed`);
      parts.push({ producer, ...followFeed({ producer, origin }, processor, db, { pollMs: config.pollMs, sign: () => sign(producer) }, log) });
    }
  }

  return {
    transport: config.natsUrl ? 'nats' : 'embedded',
    lag: () => Object.fromEntries(parts.flatMap((part) => (part.producer && part.lag ? [[part.producer, part.lag()]] : []))),
    async stop() {
      for (const part of parts) await part.stop();
    },
  };
}
