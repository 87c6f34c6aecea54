import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DocumentNode } from 'graphql';
import gql from 'graphql-tag';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import type { Database } from './database';
import { createHttpServer, createRequestHandler, listen, serve, type RequestInfo } from './http';
import type { Logger } from './logger';

/** What every subgraph's context holds besides its own data access. */
export interface BaseSubgraphContext extends BaseContext {
  requestId: string;
  log: Logger;
}

export interface SubgraphOptions<TContext extends BaseSubgraphContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  database: Database;
  logger: Logger;
  /** Builds the per-request context; loaders are created here so their cache lives one request. */
  context: (request: RequestInfo) => TContext;
  /** Stops what the service opened besides the database pool (e.g. its Prisma client). */
  onStop?: () => Promise<void>;
}

export interface Service {
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

/** Error codes that are ours to show; anything else is an internal failure and is masked. */
const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** Logs internal errors with the request id; the client sees only the masked form. */
function logInternalErrors<TContext extends BaseSubgraphContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const code = error.extensions?.code as string | undefined;
            if (!code || !PUBLIC_CODES.has(code)) {
              contextValue.log?.error({ err: unwrapResolverError(error), path: error.path }, 'internal error');
            }
          }
        },
      };
    },
  };
}

/** Builds a federation subgraph served over HTTP; it listens when asked. */
export async function createSubgraph<TContext extends BaseSubgraphContext>(options: SubgraphOptions<TContext>): Promise<Service> {
  const { name, database, logger } = options;
  const httpServer = createHttpServer();

  const apollo = new ApolloServer<TContext>({
    schema: buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> }),
    includeStacktraceInErrorResponses: false,
    // Inline traces (ftv1) are for Apollo usage reporting, which this graph does not use.
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), ApolloServerPluginInlineTraceDisabled(), logInternalErrors<TContext>()],
    formatError(formatted) {
      const code = formatted.extensions?.code as string | undefined;
      if (code && PUBLIC_CODES.has(code)) return formatted;
      return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    },
  });
  await apollo.start();

  serve(httpServer, createRequestHandler<TContext>({
    apollo,
    logger,
    context: async (request) => options.context(request),
    ready: () => database.ping(),
    metrics: () =>
      [
        '# HELP db_statements_total SQL statements sent to this service\'s database.',
        '# TYPE db_statements_total counter',
        `db_statements_total{service="${name}"} ${database.counter.statements}`,
        '',
      ].join('\n'),
  }));

  return {
    listen: (port, host) => listen(httpServer, port, host),
    async stop() {
      await apollo.stop(); // drains in-flight requests, then closes the HTTP server
      await options.onStop?.();
      await database.close();
    },
  };
}

/** The context of a subgraph whose data lives behind a Prisma client. */
export type PrismaSubgraphContext<TDb, TLoaders> = BaseSubgraphContext & { db: TDb; loaders: TLoaders };

/** Reads `schema.graphql` beside a subgraph's modules. */
export function loadTypeDefs(dir: string): DocumentNode {
  return gql(readFileSync(path.join(dir, 'schema.graphql'), 'utf8'));
}

/**
 * Declares a Prisma-backed subgraph: its client is made once per process, its loaders once
 * per request (so their cache never outlives a request).
 */
export function prismaSubgraph<TDb extends { $disconnect(): Promise<void> }, TLoaders>(spec: {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<PrismaSubgraphContext<TDb, TLoaders>>;
  createPrisma: (database: Database) => TDb;
  createLoaders: (db: TDb) => TLoaders;
}) {
  return (database: Database, logger: Logger): Promise<Service> => {
    const db = spec.createPrisma(database);
    return createSubgraph<PrismaSubgraphContext<TDb, TLoaders>>({
      name: spec.name,
      typeDefs: spec.typeDefs,
      resolvers: spec.resolvers,
      database,
      logger,
      context: ({ requestId, log }) => ({ requestId, log, db, loaders: spec.createLoaders(db) }),
      onStop: () => db.$disconnect(),
    });
  };
}
