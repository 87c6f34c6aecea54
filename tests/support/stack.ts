import type { SubgraphName } from '../../lib/config/env';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ASSERTION_HEADER, assertionSigner, type Viewer } from '../../lib/identity/assertion';
import { generatePrivateJwk, signingKeyFrom } from '../../lib/identity/keys';
import { launchGraph, type ServiceKeys } from '../../tooling/launch';
import { stopChild, type RunningService, type ServiceName } from '../../tooling/processes';
import { createTestDatabases, type TestDatabases } from './test-databases';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[]; extensions?: unknown };
}

/** POSTs one operation to `origin`/graphql and returns status, headers and parsed body. */
export async function graphql<T = any>(
  origin: string,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse<T>['body'] };
}

/** The SQL statements a subgraph has sent to its database so far (from its /metrics). */
export async function statementCount(service: RunningService): Promise<number> {
  const text = await (await fetch(`${service.origin}/metrics`)).text();
  const match = /^db_statements_total\{[^}]*\} (\d+)$/m.exec(text);
  if (!match) throw new Error(`no db_statements_total in ${service.name}'s metrics:\n${text}`);
  return Number(match[1]);
}

/** The browser origin bff-web is configured to allow in tests. */
export const WEB_ORIGIN = 'http://app.test';

export interface Stack {
  /** bff-web's origin. */
  web: string;
  /** bff-mobile's origin. */
  mobile: string;
  subgraphs: Record<SubgraphName, RunningService>;
  bffs: Record<'bff-web' | 'bff-mobile', RunningService>;
  databases: TestDatabases;
  /** The media subgraph's blob store (MEDIA_DIR), a fresh directory per stack. */
  mediaDir: string;
  /** The users subgraph's token signing key (a private JWK, JSON), for crafting tokens. */
  tokenKey: string;
  /** The BFFs' assertion signing key (a private JWK, JSON), for crafting assertions. */
  gatewayKey: string;
  /** The signing keys of media and posts (private JWKs, JSON), for crafting service assertions. */
  serviceKeys: ServiceKeys;
  /** A gateway assertion for `viewer`, for `subgraph` only, signed with the stack's gateway key, for calling that subgraph directly. */
  assertion(subgraph: SubgraphName, viewer: Viewer | null, client?: string): Promise<string>;
  /** Stops a subgraph (SIGTERM); resolves with its exit code. */
  stopSubgraph(name: SubgraphName): Promise<number | null>;
  /** Starts a stopped subgraph again, on the port it had, with the environment it had; by default awaits /ready. */
  startSubgraph(name: SubgraphName, options?: { ready?: boolean }): Promise<RunningService>;
  /** Starts a stopped BFF again (stop it with `bffs[name].stop()`), on its port with its environment; awaits /ready. */
  startBff(name: 'bff-web' | 'bff-mobile'): Promise<RunningService>;
  /** Starts one more process of a service (its environment plus `env`) on a free port, awaited through /ready. */
  replica(name: ServiceName, env?: Record<string, string>): Promise<RunningService>;
  /** Calls a subgraph directly, as a gateway would (with an assertion) or without one. */
  subgraph(name: SubgraphName, query: string, variables?: Record<string, unknown>, viewer?: Viewer | null | 'none'): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra environment for both BFFs (e.g. NODE_ENV=production). */
  bffEnv?: Record<string, string>;
  /** Extra environment for the subgraphs. */
  subgraphEnv?: Record<string, string>;
  /** Extra environment for one subgraph (e.g. its own NATS_URL). */
  subgraphEnvOf?: Partial<Record<SubgraphName, Record<string, string>>>;
  /** How long each service may take to start, and then to be ready (30 s each unless set). */
  startTimeoutMs?: number;
}

/**
 * The whole graph for one test suite: its own databases and keys, the three subgraphs and both
 * BFFs as separate processes on free ports, each awaited through /ready.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const databases = await createTestDatabases();
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'fg-media-'));
  const spawned: ChildProcess[] = [];
  const cleanUp = async () => {
    await Promise.all(spawned.map((child) => stopChild(child)));
    await databases.drop();
    rmSync(mediaDir, { recursive: true, force: true });
  };
  try {
    const gatewayJwk = JSON.stringify(await generatePrivateJwk());
    const tokenKey = JSON.stringify(await generatePrivateJwk());
    const serviceKeys = { media: JSON.stringify(await generatePrivateJwk()), posts: JSON.stringify(await generatePrivateJwk()) };
    const graph = await launchGraph({
      urls: databases.urls,
      gatewayKey: gatewayJwk,
      serviceKeys,
      portOf: () => 0,
      subgraphEnv: { AUTH_SIGNING_KEY: tokenKey, MEDIA_DIR: mediaDir,
        // Media's poll of posts' event feed would add statements to suites that count them; the
        // suites that test deletion poll fast instead.
        EVENTS_POLL_MS: '3600000',
        // Suites sign many accounts up at once on a loaded machine; the sign-in limits suite sets its own.
        PASSWORD_HASH_MAX_WAIT_MS: '4000',
        ...options.subgraphEnv,
       },
      subgraphEnvOf: options.subgraphEnvOf,
      bffEnv: {
        WEB_ORIGINS: WEB_ORIGIN,
        REFRESH_REUSE_WINDOW_MS: '300',
        // Suites read what they just wrote, or a subgraph's state right after breaking it; the
        // response cache (which would answer from before) has its own suite.
        RESPONSE_CACHE: 'false',
        // A cold process on a machine busy starting two suites' stacks can take over the 2 s default
        // to answer its first requests; the resilience suite sets its own, shorter timeouts.
        SUBGRAPH_TIMEOUT_MS: '5000',
        // Like media's poll above: the BFFs' reads of users' revocation feed would add statements to
        // suites that count them; the revocation suite polls at the default instead.
        REVOCATIONS_POLL_MS: '3600000',
        // Every suite's clients share 127.0.0.1; the sign-in limits suite tests the limits.
        SIGN_IN_ADDRESS_LIMIT: '100000',
        SIGN_UP_ADDRESS_LIMIT: '100000',
        REFRESH_ADDRESS_LIMIT: '100000',
        ...options.bffEnv,
      },
      onSpawn: (child) => spawned.push(child),
      startTimeoutMs: options.startTimeoutMs,
    });
    const { web, mobile } = graph;
    const byName = graph.subgraphs;
    const sign = assertionSigner(await signingKeyFrom(gatewayJwk, 'test gateway key'), 'bff-web');
    const stack: Stack = {
      web: web.origin,
      mobile: mobile.origin,
      subgraphs: byName,
      bffs: { 'bff-web': web, 'bff-mobile': mobile },
      databases,
      mediaDir,
      tokenKey,
      gatewayKey: gatewayJwk,
      serviceKeys,
      assertion: async (subgraph, viewer, client = 'bff-web') =>
        client === 'bff-web' ? sign(subgraph, viewer) : assertionSigner(await signingKeyFrom(gatewayJwk, 'test gateway key'), client)(subgraph, viewer),
      stopSubgraph: (name) => byName[name].stop(),
      startSubgraph: (name, startOptions) => graph.restart(name, startOptions),
      async startBff(name) {
        const service = await graph.restart(name);
        stack.bffs[name] = service;
        return service;
      },
      replica: (name, env) => graph.replica(name, env),
      async subgraph(name, query, variables, viewer = null) {
        const headers: Record<string, string> = viewer === 'none' ? {} : { [ASSERTION_HEADER]: await sign(name, viewer) };
        return graphql(byName[name].origin, query, variables, headers);
      },
      stop: cleanUp,
    };
    return stack;
  } catch (error) {
    await cleanUp();
    throw error;
  }
}
