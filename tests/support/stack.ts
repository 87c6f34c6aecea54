import { SUBGRAPHS, portVariable, type SubgraphName } from '../../lib/config';
import { databaseEnv } from '../../lib/databases';
import { subgraphUrlVariable } from '../../lib/gateway';
import { startService, waitUntilReady, type RunningService } from '../../lib/processes';
import { createTestDatabases, type TestDatabases } from './test-databases';

export interface GraphQLResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, any> }[] };
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

export interface Stack {
  /** bff-web's origin: the one URL clients use. */
  gateway: string;
  subgraphs: Record<SubgraphName, RunningService>;
  databases: TestDatabases;
  stop(): Promise<void>;
}

/**
 * The whole graph for one test suite: its own databases, the three subgraphs and bff-web as
 * separate processes on free ports, each awaited through /ready.
 */
export async function startStack(): Promise<Stack> {
  const databases = await createTestDatabases();
  const started: RunningService[] = [];
  try {
    const env = databaseEnv(databases.urls);
    const subgraphs = await Promise.all(SUBGRAPHS.map((name) => startService(name, { env: { ...env, [portVariable(name)]: '0' } })));
    started.push(...subgraphs);
    const gatewayEnv = Object.fromEntries(subgraphs.map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`]));
    const gateway = await startService('bff-web', { env: { ...gatewayEnv, [portVariable('bff-web')]: '0' } });
    started.push(gateway);
    await Promise.all(started.map((s) => waitUntilReady(s.origin)));
    return {
      gateway: gateway.origin,
      subgraphs: Object.fromEntries(subgraphs.map((s) => [s.name, s])) as Record<SubgraphName, RunningService>,
      databases,
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
