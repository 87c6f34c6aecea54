import { Writable } from 'node:stream';
import { ApolloServer, type ApolloServerOptions, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { defineIntegrationTestSuite, type CreateServerForIntegrationTestsOptions } from '@apollo/server-integration-testsuite';
import pino from 'pino';
import { createHttpServer, createRequestHandler, listen, serve } from '../../lib/http/server';

/**
 * Apollo's own conformance suite for HTTP integrations (the one @apollo/server's express
 * integration passes), run against lib/http/server.ts: every service serves GraphQL through it, so what
 * the suite proves about Apollo's HTTP contract (methods, content types, batching, CSRF
 * prevention, status codes, errors, APQ, landing pages, the graphql-http audit...) holds for them.
 *
 * The suite builds its own ApolloServer for each case; this adapter puts our request handler in
 * front of it exactly as the BFFs and subgraphs do: createHttpServer, serve, listen, with the
 * drain plugin on that server, on a free loopback port. The suite asks for `<url>/`, i.e. `/graphql/`.
 */

/** Log lines at warn or above that our handler wrote while the suite ran (pino levels: 40 warn, 50 error). */
const loud: { level: number; msg: string }[] = [];
const logger = pino(
  { level: 'warn', base: { service: 'integration-suite' } },
  new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) loud.push(JSON.parse(line));
      done();
    },
  }),
);

defineIntegrationTestSuite(async function createServer(
  serverOptions: ApolloServerOptions<BaseContext>,
  testOptions?: CreateServerForIntegrationTestsOptions,
) {
  const httpServer = createHttpServer();
  const server = new ApolloServer({
    ...serverOptions,
    plugins: [...(serverOptions.plugins ?? []), ApolloServerPluginDrainHttpServer({ httpServer })],
  });
  await server.start();
  serve(
    httpServer,
    createRequestHandler({
      apollo: server,
      logger,
      // The suite's context functions take no arguments (the request is ours, not theirs).
      context: async () => (testOptions?.context ? testOptions.context() : {}),
      ready: async () => true,
    }),
  );
  const port = await listen(httpServer, 0, '127.0.0.1');
  return { server, url: `http://127.0.0.1:${port}/graphql` };
});

describe('lib/http/server.ts under the integration suite', () => {
  it('wrote no log line at warn or error level for anything the suite sent', () => {
    expect(loud).toEqual([]);
  });
});
