import pg from 'pg';
import type { GraphQLFormattedError } from 'graphql';
import { databaseUrlVariable, type SubgraphName } from '../../lib/config/env';
import { openDatabase } from '../../lib/data/database';
import { assertionSigner, type Viewer } from '../../lib/identity/assertion';
import { generatePrivateJwk, serviceKeyEnv, signingKeyFrom } from '../../lib/identity/keys';
import type { JWK } from 'jose';
import type { SubgraphConfig } from '../../lib/config/subgraph';
import type { SubgraphDeps, SubgraphService } from '../../lib/subgraph/server';
import { createLogger } from '../../lib/telemetry/logger';
import type { TestDatabases } from './test-databases';

/**
 * In-process subgraph tests: a subgraph built by its own factory over its own fresh clone of the
 * migrated template database (test-databases.ts, as the end-to-end suites get theirs), with no
 * port and no other process. Operations run through the service's `executeOperation` with a
 * gateway assertion signed the way the BFFs sign them (assertionSigner), so the subgraph verifies
 * it and authorises from it exactly as over HTTP; errors come back formatted as a client sees them.
 */

/**
 * A BFF's assertion signing key (its private JWK and the signer: `sign(subgraph, viewer)`), and
 * the keys media and posts sign their own calls with, which the subgraphs built with it trust.
 */
export interface GatewayKey {
  privateJwk: string;
  gatewayKeys: JWK[];
  sign(subgraph: SubgraphName, viewer: Viewer | null): Promise<string>;
  /** The private JWKs (JSON) of media's and posts' own keys. */
  serviceKeys: { media: string; posts: string };
}

export async function gatewayKey(client = 'bff-web'): Promise<GatewayKey> {
  const privateJwk = JSON.stringify(await generatePrivateJwk());
  const key = await signingKeyFrom(privateJwk, 'test gateway key');
  const serviceKeys = { media: JSON.stringify(await generatePrivateJwk()), posts: JSON.stringify(await generatePrivateJwk()) };
  return { privateJwk, gatewayKeys: [key.publicJwk], sign: assertionSigner(key, client), serviceKeys };
}

export interface Result {
  /** Loosely typed: a test reads what its own operation selected. */
  data?: any;
  errors?: readonly GraphQLFormattedError[];
  /** The response headers (a session issued by users travels here, as over HTTP). */
  headers: Map<string, string>;
}

export interface InProcessSubgraph {
  service: SubgraphService;
  /** Runs `query` as `viewer` (null: anonymous) through a gateway assertion; no assertion at all with `viewer` undefined. */
  run(viewer: Viewer | null | undefined, query: string, variables?: Record<string, unknown>): Promise<Result>;
  /** A statement on the subgraph's own database, to arrange or check what the API does not show. */
  sql<TRow = any>(text: string, values?: unknown[]): Promise<TRow[]>;
  stop(): Promise<void>;
}

/** The codes of a result's errors, in order. */
export function codes(result: Result): unknown[] {
  return (result.errors ?? []).map((error) => error.extensions?.code);
}

/**
 * Builds subgraph `name` with `create` (its factory, e.g. createPostsSubgraph) from the config
 * `loadConfig` reads (its config module, e.g. loadPostsConfig, over this process's env) over
 * `databases` (a suite's clones, createTestDatabases), trusting `key`'s assertions.
 */
export async function inProcessSubgraph<TConfig extends SubgraphConfig>(
  name: SubgraphName,
  create: (config: TConfig, deps: SubgraphDeps) => Promise<SubgraphService>,
  loadConfig: () => TConfig,
  key: GatewayKey,
  databases: TestDatabases,
): Promise<InProcessSubgraph> {
  const url = databases.urls[name];
  if (!url) throw new Error(`no ${name} database: pass '${name}' to createTestDatabases`);
  // The config module reads what a process is started with: the keys and the database URL.
  const given: Record<string, string> = {
    GATEWAY_PUBLIC_KEYS: JSON.stringify({ keys: key.gatewayKeys }),
    ...serviceKeyEnv('media', key.serviceKeys.media).callees,
    ...serviceKeyEnv('posts', key.serviceKeys.posts).callees,
    [databaseUrlVariable(name)]: url,
    // A consumer signs its reads of others' event feeds (and media its questions to posts) with its
    // own key; a suite that follows none polls once an hour.
    ...(name !== 'users' && serviceKeyEnv(name, key.serviceKeys[name]).own),
    EVENTS_POLL_MS: process.env.EVENTS_POLL_MS ?? '3600000',
  };
  const saved = Object.fromEntries(Object.keys(given).map((variable) => [variable, process.env[variable]]));
  Object.assign(process.env, given);
  let config: TConfig;
  try {
    config = loadConfig();
  } finally {
    for (const [variable, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[variable];
      else process.env[variable] = value;
    }
  }
  const service = await create(config, { database: openDatabase(url), logger: createLogger(name, 'fatal') });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    service,
    async run(viewer, query, variables) {
      const assertion = viewer === undefined ? undefined : await key.sign(name, viewer);
      const response = await service.executeOperation({ query, variables }, assertion);
      if (response.body.kind !== 'single') throw new Error('expected a single result');
      const { data, errors } = response.body.singleResult;
      return { data, errors, headers: new Map(response.http.headers) };
    },
    async sql(text, values) {
      return (await client.query(text, values)).rows;
    },
    async stop() {
      await client.end();
      await service.stop();
    },
  };
}
