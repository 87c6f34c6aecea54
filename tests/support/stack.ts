import { portVariable, type SubgraphName } from '../../lib/config';
import { subgraphUrlVariable } from '../../lib/composition';
import { databaseEnv } from '../../lib/databases';
import { ASSERTION_HEADER, assertionSigner, type Viewer } from '../../lib/identity';
import { gatewayKeyEnv, generatePrivateJwk, signingKeyFrom } from '../../lib/keys';
import { startService, waitUntilReady, type RunningService } from '../../lib/processes';
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
  /** The users subgraph's token signing key (a private JWK, JSON), for crafting tokens. */
  tokenKey: string;
  /** The BFFs' assertion signing key (a private JWK, JSON), for crafting assertions. */
  gatewayKey: string;
  /** A gateway assertion for `viewer`, signed with the stack's gateway key, for calling a subgraph directly. */
  assertion(viewer: Viewer | null, client?: string): Promise<string>;
  /** Stops a subgraph (SIGTERM); resolves with its exit code. */
  stopSubgraph(name: SubgraphName): Promise<number | null>;
  /** Starts a stopped subgraph again, on the port it had, with the environment it had; by default awaits /ready. */
  startSubgraph(name: SubgraphName, options?: { ready?: boolean }): Promise<RunningService>;
  /** Calls a subgraph directly, as a gateway would (with an assertion) or without one. */
  subgraph(name: SubgraphName, query: string, variables?: Record<string, unknown>, viewer?: Viewer | null | 'none'): Promise<GraphQLResponse>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Extra environment for both BFFs (e.g. NODE_ENV=production). */
  bffEnv?: Record<string, string>;
  /** Extra environment for the subgraphs. */
  subgraphEnv?: Record<string, string>;
}

/**
 * The whole graph for one test suite: its own databases and keys, the three subgraphs and both
 * BFFs as separate processes on free ports, each awaited through /ready.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const databases = await createTestDatabases();
  const started: RunningService[] = [];
  try {
    const gatewayJwk = JSON.stringify(await generatePrivateJwk());
    const keys = gatewayKeyEnv(gatewayJwk);
    const tokenKey = JSON.stringify(await generatePrivateJwk());
    const subgraphEnv = { ...databaseEnv(databases.urls), ...keys.subgraph, AUTH_SIGNING_KEY: tokenKey, ...options.subgraphEnv };
    const envOf = {} as Record<SubgraphName, Record<string, string>>;
    const startSubgraph = async (name: SubgraphName, env: Record<string, string> = {}, port = 0) => {
      envOf[name] = { ...subgraphEnv, ...env };
      const service = await startService(name, { env: { ...envOf[name], [portVariable(name)]: String(port) } });
      started.push(service);
      return service;
    };
    // media asks posts about posts (through its API), so it starts once posts' port is known.
    const [users, posts] = await Promise.all([startSubgraph('users'), startSubgraph('posts')]);
    const media = await startSubgraph('media', { [subgraphUrlVariable('posts')]: `${posts.origin}/graphql` });
    const subgraphs = [users, posts, media];
    const bffEnv = {
      ...keys.bff,
      ...Object.fromEntries(subgraphs.map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`])),
      WEB_ORIGINS: WEB_ORIGIN,
      ...options.bffEnv,
    };
    const [web, mobile] = await Promise.all(
      (['bff-web', 'bff-mobile'] as const).map((name) => startService(name, { env: { ...bffEnv, [portVariable(name)]: '0' } })),
    );
    started.push(web, mobile);
    await Promise.all(started.map((s) => waitUntilReady(s.origin)));

    const sign = assertionSigner(await signingKeyFrom(gatewayJwk, 'test gateway key'), 'bff-web');
    const byName = Object.fromEntries(subgraphs.map((s) => [s.name, s])) as Record<SubgraphName, RunningService>;
    return {
      web: web.origin,
      mobile: mobile.origin,
      subgraphs: byName,
      bffs: { 'bff-web': web, 'bff-mobile': mobile },
      databases,
      tokenKey,
      gatewayKey: gatewayJwk,
      assertion: async (viewer, client = 'bff-web') =>
        client === 'bff-web' ? sign(viewer) : assertionSigner(await signingKeyFrom(gatewayJwk, 'test gateway key'), client)(viewer),
      stopSubgraph: (name) => byName[name].stop(),
      async startSubgraph(name, { ready = true } = {}) {
        const service = await startSubgraph(name, envOf[name], byName[name].port);
        if (ready) await waitUntilReady(service.origin);
        byName[name] = service;
        return service;
      },
      async subgraph(name, query, variables, viewer = null) {
        const headers: Record<string, string> = viewer === 'none' ? {} : { [ASSERTION_HEADER]: await sign(viewer) };
        return graphql(byName[name].origin, query, variables, headers);
      },
      async stop() {
        await Promise.all(started.map((s) => s.stop()));
        await databases.drop();
      },
    };
  } catch (error) {
    await Promise.all(started.map((s) => s.stop()));
    await databases.drop();
    throw error;
  }
}
