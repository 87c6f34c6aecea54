import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { BffContext } from '../bff/context';
import { maskError } from '../bff/error-masking';
import { createBffGateway } from '../bff/gateway';
import { useResponseCaching } from '../bff/plugins/use-response-caching';
import { bffServerOptions } from '../bff/server-options';
import { bearerToken, clientTokenVerifier } from '../bff/token-verifier';
import { SUPERGRAPH_SDL } from '../lib/graphql/composition';
import { createHttpServer, createRequestHandler, listen, serve } from '../lib/http/server';
import type { Logger } from '../lib/telemetry/logger';
import type { Service } from '../lib/subgraph/server';
import { logMaskedErrors } from '../lib/graphql/plugins';
import { DEFAULT_PAGE, resolvers } from './resolvers';
import { readManifest, safelist } from './safelist';
import { clientAddress, sessionLimits } from '../bff/rate-limits';
import type { MobileConfig } from './config';
import type { MobileContext } from './context';
import { usePartialErrors } from './plugins/use-partial-errors';
import { useRefusedTokens } from './plugins/use-refused-tokens';
import { HttpError } from '../lib/http/server';

const typeDefs = readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');

/** The operation's name: generated documents hold one operation and the fragments it uses. */
function operationName(document: DocumentNode): string {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation?.name) throw new Error('bff-mobile runs named operations only');
  return operation.name.value;
}

/**
 * bff-mobile: the mobile schema, each resolver backed by a named supergraph operation executed
 * on an in-process gateway; bearer tokens; automatic persisted queries always, and in production
 * (`NODE_ENV=production`, or `MOBILE_SAFELIST=true`) only the operations of the app's manifest.
 */
export async function createMobileBff(config: MobileConfig, logger: Logger): Promise<Service> {
  const { gateway, mediaFiles, revocations } = await createBffGateway('bff-mobile', readFileSync(SUPERGRAPH_SDL, 'utf8'), logger, config);
  const supergraph = new ApolloServer<BffContext>({
    gateway,
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    plugins: [logMaskedErrors<BffContext>()],
  });
  await supergraph.start();
  const verify = clientTokenVerifier({ jwksUrl: config.jwksUrl, tokens: config.tokens, revocations });

  const httpServer = createHttpServer(config.http);
  const apollo = new ApolloServer<MobileContext>({
    typeDefs,
    resolvers,
    ...bffServerOptions({
      httpServer,
      config,
      pageSize: DEFAULT_PAGE,
      sessionLimits: sessionLimits(config.sessionLimits),
      plugins: [
        useRefusedTokens(),
        usePartialErrors(),
        ...useResponseCaching<BffContext>({ enabled: config.responseCache, cacheable: (context) => (context as MobileContext).partialErrors.length === 0 }),
      ],
    }),
  } as ConstructorParameters<typeof ApolloServer<MobileContext>>[0]);
  await apollo.start();

  /** The bearer token's viewer for the file routes; an invalid token is 401. */
  const fileViewer = async (req: IncomingMessage) => {
    const token = bearerToken(req);
    return token ? verify(token) : null;
  };
  serve(
    httpServer,
    createRequestHandler<MobileContext, { viewer: BffContext['viewer']; clientAddress: string; refusedToken?: HttpError }>({
      apollo,
      logger,
      prepare: config.safelist ? safelist(readManifest()) : undefined,
      prefixRoutes: mediaFiles(fileViewer),
      async authenticate(req) {
        const token = bearerToken(req);
        const address = clientAddress(req, config.trustProxy);
        if (!token) return { viewer: null, clientAddress: address };
        try {
          return { viewer: await verify(token), clientAddress: address };
        } catch (error) {
          // Decided once the operation is known (refusedTokens); keys unavailable stays a 503.
          if (!(error instanceof HttpError) || error.status !== 401) throw error;
          return { viewer: null, clientAddress: address, refusedToken: error };
        }
      },
      async context({ requestId, log, auth }) {
        const context: MobileContext = {
          requestId,
          log,
          viewer: auth.viewer,
          clientAddress: auth.clientAddress,
          refusedToken: auth.refusedToken,
          session: {},
          partialErrors: [],
          async run<TResult, TVariables>(query: TypedDocumentNode<TResult, TVariables>, variables: TVariables, path?: (string | number)[]): Promise<TResult> {
            const response = await supergraph.executeOperation(
              { query, operationName: operationName(query), variables: variables as Record<string, unknown> },
              { contextValue: context },
            );
            if (response.body.kind !== 'single') throw new Error('incremental delivery is not used by bff-mobile');
            const { data, errors } = response.body.singleResult;
            const rootValues = data ? Object.values(data) : [];
            // No usable data: the operation failed; its first error, code kept, is the answer.
            if (errors?.length && (rootValues.length === 0 || rootValues.every((v) => v === null))) {
              throw new GraphQLError(errors[0].message, { extensions: errors[0].extensions });
            }
            if (errors?.length) context.partialErrors.push(...errors.map(({ message, extensions }) => ({ message, ...(path && { path }), extensions })));
            return data as TResult;
          },
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
    },
  };
}
