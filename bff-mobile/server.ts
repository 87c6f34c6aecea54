import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import type { BffContext } from '../bff/context';
import { createBffGateway } from '../bff/gateway';
import { graphiqlRoutes } from '../bff/graphiql';
import { supergraphSource } from '../bff/supergraph-source';
import { useResponseCaching } from '../bff/plugins/use-response-caching';
import { bffServerOptions } from '../bff/server-options';
import { bffSharedState } from '../bff/shared-state';
import { clientTokenVerifier } from '../bff/token-verifier';
import { createHttpServer, createRequestHandler, listen, serve } from '../lib/http/server';
import type { Service } from '../lib/http/service';
import type { Logger } from '../lib/telemetry/logger';
import { bearerAuthentication, type MobileAuth } from './authentication';
import type { MobileConfig } from './config';
import type { MobileContext } from './context';
import { mobileCors } from './cors';
import { usePartialErrors } from './plugins/use-partial-errors';
import { useRefusedTokens } from './plugins/use-refused-tokens';
import { DEFAULT_PAGE, resolvers } from './resolvers';
import { safelist } from './safelist';
import { runnableSupergraph, startSupergraphRunner } from './supergraph-runner';

const typeDefs = readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');

/**
 * bff-mobile: the mobile schema, each resolver backed by a named supergraph operation executed
 * on an in-process gateway; bearer tokens; automatic persisted queries always, and in production
 * (`NODE_ENV=production`, or `MOBILE_SAFELIST=true`) only the operations of the manifests of
 * the supported app versions.
 */
export async function createMobileBff(config: MobileConfig, logger: Logger): Promise<Service> {
  const { gateway, mediaFiles, revocations } = await createBffGateway(
    'bff-mobile',
    supergraphSource({ ...config.supergraph, prepare: runnableSupergraph, logger }),
    logger,
    config,
  );
  const supergraph = await startSupergraphRunner(gateway);
  const { authenticate, fileViewer } = bearerAuthentication(clientTokenVerifier({ jwksUrl: config.jwksUrl, tokens: config.tokens, revocations }), config.trustProxy);

  const shared = await bffSharedState('bff-mobile', config, logger);
  const httpServer = createHttpServer(config.httpTimeouts);
  const apollo = new ApolloServer<MobileContext>({
    typeDefs,
    resolvers,
    ...bffServerOptions({
      httpServer,
      config,
      pageSize: DEFAULT_PAGE,
      sessionLimits: shared.sessionLimits,
      plugins: [
        useRefusedTokens(),
        usePartialErrors(),
        ...useResponseCaching<BffContext>({ enabled: config.responseCache, cacheable: (context) => (context as MobileContext).partialErrors.length === 0, cache: shared.responseCache }),
      ],
    }),
  });
  await apollo.start();

  serve(
    httpServer,
    createRequestHandler<MobileContext, MobileAuth>({
      apollo,
      logger,
      intercept: mobileCors(config.webOrigins),
      prepare: config.safelist ? safelist(config.manifests) : undefined,
      prefixRoutes: { ...mediaFiles(fileViewer), ...graphiqlRoutes(config.sandbox) },
      compressAnswers: true,
      authenticate,
      async context({ requestId, log, auth }) {
        const context: MobileContext = {
          requestId,
          log,
          ...auth,
          session: {},
          partialErrors: [],
          run: (document, variables, at) => supergraph.run(context, document, variables, at),
        };
        return context;
      },
      // Ready once revocations were first read (or users found unreachable): none is missed at start.
      ready: async () => revocations.loaded(),
    }),
  );
  return {
    listen: (port, host) => listen(httpServer, port, host),
    async stop() {
      await apollo.stop();
      await supergraph.stop();
      await revocations.stop();
      await shared.stop();
    },
  };
}
