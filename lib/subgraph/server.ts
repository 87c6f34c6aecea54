import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { isObjectType, isUnionType, type DocumentNode, type GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import type { JWK } from 'jose';
import { ApolloServer, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { isDatabaseUnavailable, type Database } from '../data/database';
import { badInput, PUBLIC_CODES, requestFaultCode } from '../graphql/errors';
import { cursorKey } from '../graphql/pagination';
import { logMaskedErrors } from '../graphql/plugins';
import { httpTimeoutsConfig } from '../config/http';
import { createHttpServer, createRequestHandler, HttpError, listen, sendJson, serve, type RequestInfo } from '../http/server';
import { writeSessionHeaders } from '../identity/session-handshake';
import { ASSERTION_HEADER, assertionVerifier, BACKGROUND_HEADER, CLIENT_ADDRESS_HEADER, type Caller } from '../identity/assertion';
import type { Logger } from '../telemetry/logger';

/** What every subgraph's context holds besides its own data access. */
export interface BaseSubgraphContext extends BaseContext {
  requestId: string;
  log: Logger;
  /** Who is asking, from the verified gateway assertion. */
  caller: Caller;
  /** Set by a resolver that signs someone in or out; reported to the BFF in response headers. */
  session: { token?: string; refreshToken?: string; ended?: boolean };
  /** The client's address as the BFF saw it (bff/rate-limits.ts), when the BFF sent it. */
  clientAddress?: string;
}

/** The client address a gateway forwarded; only requests with a valid assertion get this far. */
export function forwardedClientAddress(req: IncomingMessage): string | undefined {
  const value = req.headers[CLIENT_ADDRESS_HEADER];
  return typeof value === 'string' && /^[0-9A-Za-z:.%-]{1,64}$/.test(value) ? value : undefined;
}

export type Routes = Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;

export type CallerRoutes = Record<string, (req: IncomingMessage, res: ServerResponse, rest: string, caller: Caller) => Promise<void>>;

export interface SubgraphOptions<TContext extends BaseSubgraphContext> {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<TContext>;
  database: Database;
  logger: Logger;
  /** The BFFs' public keys: only requests with an assertion they signed are served. */
  gatewayKeys: JWK[];
  /** Builds the per-request context; loaders are created here so their cache lives one request. */
  context: (request: RequestInfo & { auth: Caller }) => TContext;
  routes?: Routes;
  /** Handlers by path prefix for any method, reached only with a valid assertion like /graphql. */
  prefixRoutes?: CallerRoutes;
  /** Stops what the service opened besides the database pool (e.g. its Prisma client). */
  onStop?: () => Promise<void>;
}

export interface Service {
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

/** Reports a session issued or ended during the request in response headers (lib/identity/session-handshake.ts). */
function sessionHeader<TContext extends BaseSubgraphContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          writeSessionHeaders(contextValue.session, response.http.headers);
        },
      };
    },
  };
}

/**
 * Checks `_entities` representations before @apollo/subgraph resolves them: it throws plain
 * errors (INTERNAL_SERVER_ERROR) on a representation that is not an object, names no type or an
 * unknown one, and a resolver may fail on a key of the wrong type. Each must be an object whose
 * `__typename` is an entity of this subgraph and whose `id` (every entity's key in this graph)
 * is a string; anything else is BAD_USER_INPUT on `representations`. A well-formed id that
 * matches nothing still resolves to null.
 */
function guardEntities(schema: GraphQLSchema): GraphQLSchema {
  const entities = schema.getType('_Entity');
  const field = schema.getQueryType()?.getFields()._entities;
  if (!field || !isUnionType(entities)) return schema;
  const names = new Set(entities.getTypes().filter(isObjectType).map((t) => t.name));
  const resolve = field.resolve!;
  field.resolve = (source, args, context, info) => {
    const representations: unknown[] = args.representations;
    representations.forEach((representation, i) => {
      const { __typename, id } = (typeof representation === 'object' && representation !== null ? representation : {}) as Record<string, unknown>;
      if (typeof __typename !== 'string' || !names.has(__typename)) {
        throw badInput(`representations.${i}`, 'must be an object whose __typename is an entity of this service');
      }
      if (typeof id !== 'string') throw badInput(`representations.${i}.id`, 'must be a string');
    });
    return resolve(source, args, context, info);
  };
  return schema;
}

/** Builds a federation subgraph served over HTTP; it listens when asked. */
export async function createSubgraph<TContext extends BaseSubgraphContext>(options: SubgraphOptions<TContext>): Promise<Service> {
  const { name, database, logger } = options;
  cursorKey(); // CURSOR_SECRET missing in production (or malformed): stop at start, not at the first list
  const httpServer = createHttpServer(httpTimeoutsConfig());

  const apollo = new ApolloServer<TContext>({
    schema: guardEntities(buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as GraphQLResolverMap<unknown> })),
    includeStacktraceInErrorResponses: false,
    // Shutdown is lib/http/main.ts's: Apollo's own handler would re-raise the signal before the pool is closed.
    stopOnTerminationSignals: false,
    // Inline traces (ftv1) are for Apollo usage reporting, which this graph does not use.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginInlineTraceDisabled(),
      logMaskedErrors<TContext>(),
      sessionHeader<TContext>(),
    ],
    formatError(formatted, error) {
      const code = formatted.extensions?.code as string | undefined;
      if (code && PUBLIC_CODES.has(code)) return formatted;
      const fault = requestFaultCode(error);
      if (fault) return { message: formatted.message, extensions: { code: fault } };
      if (isDatabaseUnavailable(unwrapResolverError(error))) {
        return { message: `The ${name} service cannot reach its database; try again shortly`, path: formatted.path, extensions: { code: 'DATABASE_UNAVAILABLE' } };
      }
      return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    },
  });
  await apollo.start();

  const verifyAssertion = assertionVerifier(options.gatewayKeys);
  // Only the gateways (and sibling services) may call a subgraph: no valid assertion, nothing runs.
  async function authenticate(req: IncomingMessage): Promise<Caller> {
    const header = req.headers[ASSERTION_HEADER];
    try {
      const assertion = typeof header === 'string' ? header : undefined;
      return { ...(await verifyAssertion(assertion)), assertion };
    } catch (error) {
      logger.warn({ reason: (error as Error).message }, 'refused a request without a valid gateway assertion');
      throw new HttpError(401, 'UNAUTHENTICATED', 'This service only answers its gateways');
    }
  }
  const prefixRoutes = Object.fromEntries(
    Object.entries(options.prefixRoutes ?? {}).map(([prefix, handle]) => [
      prefix,
      async (req: IncomingMessage, res: ServerResponse, rest: string) => handle(req, res, rest, await authenticate(req)),
    ]),
  );
  const captured = database.counter.captured;
  serve(httpServer, createRequestHandler<TContext, Caller>({
    apollo,
    logger,
    quiet: (req) => req.headers[BACKGROUND_HEADER] === '1',
    routes: {
      ...options.routes,
      // Diagnostic, only with DB_CAPTURE_STATEMENTS=true: the statements sent so far, for EXPLAIN.
      ...(captured && {
        '/debug/statements': (_req: IncomingMessage, res: ServerResponse) =>
          sendJson(res, 200, [...captured].map(([text, values]) => ({ text, values: values.map((v) => (typeof v === 'bigint' ? String(v) : v)) }))),
      }),
    },
    prefixRoutes,
    authenticate,
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

/** The context of a subgraph whose data lives behind a Prisma client, plus what it adds (`TExtra`). */
export type PrismaSubgraphContext<TDb, TLoaders, TExtra = unknown> = BaseSubgraphContext & { db: TDb; loaders: TLoaders } & TExtra;

/** What a subgraph process gives its subgraph: its database, logger and the gateways' keys. */
export interface SubgraphDeps {
  database: Database;
  logger: Logger;
  gatewayKeys: JWK[];
}

/** Reads `schema.graphql` beside a subgraph's modules. */
export function loadTypeDefs(dir: string): DocumentNode {
  return gql(readFileSync(path.join(dir, 'schema.graphql'), 'utf8'));
}

/**
 * Declares a Prisma-backed subgraph: its client is made once per process, its loaders once
 * per request (so their cache never outlives a request). `extra` is prepared once at start and
 * merged into every context; `routes` adds GET endpoints.
 */
export function prismaSubgraph<TDb extends { $disconnect(): Promise<void> }, TLoaders, TExtra extends object = object>(spec: {
  name: string;
  typeDefs: DocumentNode;
  resolvers: GraphQLResolverMap<PrismaSubgraphContext<TDb, TLoaders, TExtra>>;
  createPrisma: (database: Database) => TDb;
  createLoaders: (db: TDb) => TLoaders;
  extra?: (db: TDb, logger: Logger) => Promise<TExtra>;
  routes?: (extra: TExtra) => Routes;
  prefixRoutes?: (extra: TExtra, db: TDb, logger: Logger) => CallerRoutes;
  /** Stops what `extra` started (before the client disconnects). */
  stop?: (extra: TExtra) => Promise<void>;
}) {
  return async ({ database, logger, gatewayKeys }: SubgraphDeps): Promise<Service> => {
    const db = spec.createPrisma(database);
    const extra = ((await spec.extra?.(db, logger)) ?? {}) as TExtra;
    return createSubgraph<PrismaSubgraphContext<TDb, TLoaders, TExtra>>({
      name: spec.name,
      typeDefs: spec.typeDefs,
      resolvers: spec.resolvers,
      database,
      logger,
      gatewayKeys,
      routes: spec.routes?.(extra),
      prefixRoutes: spec.prefixRoutes?.(extra, db, logger),
      context: ({ requestId, log, auth, req }) => ({
        ...extra,
        requestId,
        log,
        caller: auth,
        session: {},
        clientAddress: forwardedClientAddress(req),
        db,
        loaders: spec.createLoaders(db),
      }),
      async onStop() {
        await spec.stop?.(extra);
        await db.$disconnect();
      },
    });
  };
}
