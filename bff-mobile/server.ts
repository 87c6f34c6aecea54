import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, parse, type GraphQLFormattedError } from 'graphql';
import {
  bearerToken,
  bffServerOptions,
  cachingPlugins,
  clientTokenVerifier,
  createBffGateway,
  defaultJwksUrl,
  maskError,
  subgraphUrls,
  type BffContext,
} from '../lib/bff';
import { envBool, envString } from '../lib/config';
import { SUPERGRAPH_SDL } from '../lib/composition';
import { createHttpServer, createRequestHandler, listen, serve } from '../lib/http';
import type { Logger } from '../lib/logger';
import type { Service } from '../lib/subgraph';
import { splitOperations } from './documents';
import { logMaskedErrors } from '../lib/plugins';
import { DEFAULT_PAGE, resolvers } from './resolvers';
import { readManifest, safelist } from './safelist';

export interface MobileContext extends BffContext {
  /**
   * Runs one named operation of operations.graphql on the supergraph, in-process, as this viewer.
   * Errors beside partial data are reported at `path`, the mobile field that asked.
   */
  run<T>(operationName: string, variables: Record<string, unknown>, path?: (string | number)[]): Promise<T>;
  /** Errors beside partial data (a subgraph down): reported to the client with the data. */
  partialErrors: GraphQLFormattedError[];
}

const typeDefs = readFileSync(path.join(__dirname, 'schema.graphql'), 'utf8');
/** operations.graphql, one self-contained document per operation name. */
const OPERATIONS = new Map(
  splitOperations(parse(readFileSync(path.join(__dirname, 'operations.graphql'), 'utf8')).definitions).map((op) => [op.name, op.document]),
);

/** Adds the partial-data errors of supergraph operations to the mobile response. */
const partialErrors: ApolloServerPlugin<BffContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ contextValue, response }) {
        const errors = (contextValue as MobileContext).partialErrors;
        if (errors?.length && response.body.kind === 'single') {
          response.body.singleResult.errors = [...(response.body.singleResult.errors ?? []), ...errors];
        }
      },
    };
  },
};

/**
 * bff-mobile: the mobile schema, each resolver backed by a named supergraph operation executed
 * on an in-process gateway; bearer tokens; automatic persisted queries always, and in production
 * (`NODE_ENV=production`, or `MOBILE_SAFELIST=true`) only the operations of the app's manifest.
 */
export async function createMobileBff(logger: Logger): Promise<Service> {
  const { gateway, mediaFiles } = await createBffGateway('bff-mobile', readFileSync(SUPERGRAPH_SDL, 'utf8'), logger);
  const supergraph = new ApolloServer<BffContext>({
    gateway,
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    plugins: [logMaskedErrors<BffContext>()],
  });
  await supergraph.start();
  const verify = clientTokenVerifier(defaultJwksUrl(subgraphUrls()));

  const httpServer = createHttpServer();
  const apollo = new ApolloServer<MobileContext>({
    typeDefs,
    resolvers,
    ...bffServerOptions(httpServer, [partialErrors, ...cachingPlugins((context) => (context as MobileContext).partialErrors.length === 0)], { pageSize: DEFAULT_PAGE }),
  } as ConstructorParameters<typeof ApolloServer<MobileContext>>[0]);
  await apollo.start();

  const safelisted = envBool('MOBILE_SAFELIST', envString('NODE_ENV') === 'production');
  serve(
    httpServer,
    createRequestHandler<MobileContext, BffContext['viewer']>({
      apollo,
      logger,
      prepare: safelisted ? safelist(readManifest()) : undefined,
      prefixRoutes: mediaFiles,
      async authenticate(req) {
        const token = bearerToken(req);
        return token ? verify(token) : null;
      },
      async context({ requestId, log, auth }) {
        const context: MobileContext = {
          requestId,
          log,
          viewer: auth,
          session: {},
          partialErrors: [],
          async run<T>(operationName: string, variables: Record<string, unknown>, path?: (string | number)[]): Promise<T> {
            const query = OPERATIONS.get(operationName);
            if (!query) throw new Error(`bff-mobile has no supergraph operation ${operationName}`);
            const response = await supergraph.executeOperation({ query, operationName, variables }, { contextValue: context });
            if (response.body.kind !== 'single') throw new Error('incremental delivery is not used by bff-mobile');
            const { data, errors } = response.body.singleResult;
            const rootValues = data ? Object.values(data) : [];
            // No usable data: the operation failed; its first error, code kept, is the answer.
            if (errors?.length && (rootValues.length === 0 || rootValues.every((v) => v === null))) {
              throw new GraphQLError(errors[0].message, { extensions: errors[0].extensions });
            }
            if (errors?.length) context.partialErrors.push(...errors.map(({ message, extensions }) => ({ message, ...(path && { path }), extensions })));
            return data as T;
          },
        };
        return context;
      },
      ready: async () => true,
    }),
  );
  return {
    listen: (port, host) => listen(httpServer, port, host),
    async stop() {
      await apollo.stop();
      await supergraph.stop();
    },
  };
}
