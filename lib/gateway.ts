import { readFileSync } from 'node:fs';
import { ApolloServer, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { envUrl } from './config';
import { readSupergraphConfig, SUPERGRAPH_SDL } from './composition';
import { createHttpServer, createRequestHandler, listen, serve } from './http';
import type { Logger } from './logger';
import type { Service } from './subgraph';

export interface GatewayContext extends BaseContext {
  requestId: string;
}

/** `USERS_SUBGRAPH_URL` overrides the users routing URL of supergraph.yaml, and so on. */
export function subgraphUrlVariable(name: string): string {
  return `${name.toUpperCase()}_SUBGRAPH_URL`;
}

/** Subgraph URLs: supergraph.yaml's routing URLs, each overridable by env. */
export function subgraphUrls(): Record<string, string> {
  return Object.fromEntries(readSupergraphConfig().map((s) => [s.name, envUrl(subgraphUrlVariable(s.name), s.routingUrl)]));
}

/**
 * A gateway over the composed supergraph file. It loads the file at start, never a subgraph,
 * so it starts and serves (with partial data) while subgraphs are down.
 */
export async function createGateway(name: string, logger: Logger, supergraphPath = SUPERGRAPH_SDL): Promise<Service> {
  const urls = subgraphUrls();
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(supergraphPath, 'utf8'),
    buildService: ({ name: subgraph }) =>
      new RemoteGraphQLDataSource<GatewayContext>({
        url: urls[subgraph],
        willSendRequest({ request, context }) {
          if (context.requestId) request.http?.headers.set('x-request-id', context.requestId);
        },
      }),
  });
  const httpServer = createHttpServer();
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer })],
  });
  await apollo.start();
  serve(
    httpServer,
    createRequestHandler<GatewayContext>({
      apollo,
      logger,
      context: async ({ requestId }) => ({ requestId }),
      // Ready once the supergraph is loaded, which `start()` above has done.
      ready: async () => true,
    }),
  );
  logger.info({ subgraphs: urls }, `${name} loaded the supergraph`);
  return {
    listen: (port, host) => listen(httpServer, port, host),
    stop: () => apollo.stop(),
  };
}
