import type { HttpTimeouts } from '../config/http';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { isObjectType, isUnionType, type DocumentNode, type GraphQLSchema } from 'graphql';
import gql from 'graphql-tag';
import type { JWK } from 'jose';
import { ApolloServer, type ApolloServerPlugin, type BaseContext, type GraphQLRequest, type GraphQLResponse } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { unwrapResolverError } from '@apollo/server/errors';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { SubgraphConfig } from '../config/subgraph';
import { isDatabaseUnavailable, type Database } from '../data/database';
import { badInput, PUBLIC_CODES, requestFaultCode } from '../graphql/errors';
import { useCursorSecret } from '../graphql/pagination';
import { purgeEvery, type PurgeTask } from '../data/purge';
import { logMaskedErrors } from '../graphql/plugins';
import { createHttpServer, createRequestHandler, HttpError, listen, sendJson, serve, type RequestInfo } from '../http/server';
import { writeSessionHeaders } from '../identity/session-handshake';
import { ASSERTION_HEADER, assertionVerifier, BACKGROUND_HEADER, CLIENT_ADDRESS_HEADER, type Caller } from '../identity/assertion';
import { forbidden } from '../identity/authz';
import { SERVICE_CALLERS } from '../identity/service-calls';
import type { SubgraphName } from '../config/env';
import { throttledWarning, type Logger } from '../telemetry/logger';
import { observeDatabase } from '../telemetry/metrics';
import { useOperationMetrics } from '../telemetry/operation-metrics';
import type { Service } from '../http/service';
import type { Producer } from '../events/catalogue';
import type { Handlers } from '../events/consumer';
import { FEED_PATH, feedRoute } from '../events/feed';
import { purgeEvents, type TransactionalSqlClient } from '../events/outbox';
import { startEvents, type Events } from '../events/transport';

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

/** What buildSubgraphSchema takes as resolvers; each subgraph's generated `Resolvers` is one. */
type ResolverMap = NonNullable<Extract<Parameters<typeof buildSubgraphSchema>[0], { resolvers?: unknown }>['resolvers']>;

export type CallerRoutes = Record<string, (req: IncomingMessage, res: ServerResponse, rest: string, caller: Caller) => Promise<void>>;

export interface SubgraphOptions<TContext extends BaseSubgraphContext> {
  name: string;
  typeDefs: DocumentNode;
  /** The subgraph's generated `Resolvers` (subgraphs/<name>/generated/resolvers-types.ts). */
  resolvers: object;
  database: Database;
  logger: Logger;
  /** The BFFs' public keys: only requests with an assertion they signed are served. */
  gatewayKeys: JWK[];
  /**
   * The public keys of the services that may call this one as themselves (lib/identity/service-calls.ts
   * says which, and for what); a service not here, or without keys, is refused.
   */
  serviceKeys?: Partial<Record<string, JWK[]>>;
  /** Seals this subgraph's list cursors (lib/graphql/pagination.ts). */
  cursorSecret: string;
  /** Header and request timeouts of its HTTP server. */
  httpTimeouts: HttpTimeouts;
  /** Builds the per-request context; loaders are created here so their cache lives one request. */
  context: (request: RequestInfo & { auth: Caller }) => TContext;
  /** Endpoints anyone may call, by exact path (health and metrics are always there). */
  publicRoutes?: Routes;
  /** Handlers by path prefix for any method, reached only with a valid assertion like /graphql. */
  authenticatedRoutes?: CallerRoutes;
  /** Stops what the service opened besides the database pool (e.g. its Prisma client). */
  onStop?: () => Promise<void>;
}

export interface SubgraphService extends Service {
  /** A Prisma subgraph's consumers' lag, by followed producer (lib/events/transport.ts). */
  eventsLag?: () => Record<string, number>;
  /** Runs one operation without HTTP, verifying `assertion` and building the context as /graphql does (in-process tests). */
  executeOperation(request: GraphQLRequest, assertion: string | undefined): Promise<GraphQLResponse>;
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
 * A service's assertion (media asking posts) runs only the operations this subgraph allows that
 * service, by exact text (lib/identity/service-calls.ts): read-only ones, never a mutation, so the
 * viewer it names is trusted for nothing else. A gateway's requests pass untouched.
 */
function serviceOperations<TContext extends BaseSubgraphContext>(allowed: Record<string, readonly string[] | undefined>): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ contextValue, request }) {
          const service = contextValue.caller.service;
          if (service && !allowed[service]?.includes(request.query ?? '')) {
            const error = forbidden(`The ${service} service may not run this operation here`);
            error.extensions.http = { status: 403 };
            throw error;
          }
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

function definedKeys(keys: Partial<Record<string, JWK[]>> = {}): Record<string, JWK[]> {
  return Object.fromEntries(Object.entries(keys).filter((entry): entry is [string, JWK[]] => entry[1] !== undefined));
}

/** Builds a federation subgraph served over HTTP; it listens when asked. */
export async function createSubgraph<TContext extends BaseSubgraphContext>(options: SubgraphOptions<TContext>): Promise<SubgraphService> {
  const { name, database, logger } = options;
  useCursorSecret(options.cursorSecret);
  const httpServer = createHttpServer(options.httpTimeouts);

  const apollo = new ApolloServer<TContext>({
    schema: guardEntities(buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as ResolverMap })),
    includeStacktraceInErrorResponses: false,
    // Shutdown is lib/http/main.ts's: Apollo's own handler would re-raise the signal before the pool is closed.
    stopOnTerminationSignals: false,
    // Inline traces (ftv1) are for Apollo usage reporting, which this graph does not use.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginInlineTraceDisabled(),
      useOperationMetrics<TContext>(),
      logMaskedErrors<TContext>(),
      sessionHeader<TContext>(),
      serviceOperations<TContext>(Object.fromEntries(Object.entries(SERVICE_CALLERS[name as SubgraphName] ?? {}).map(([service, calls]) => [service, calls?.operations]))),
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

  const callerOf = assertionVerifier({ audience: name, gatewayKeys: options.gatewayKeys, serviceKeys: definedKeys(options.serviceKeys) });
  // Any local process can send unsigned requests: one line per 10 s, however many come.
  const refused = throttledWarning(logger, 'refused a request without a valid gateway assertion');
  // Only the gateways (and the services allowed to) may call a subgraph: no valid assertion, nothing runs.
  async function authenticate(req: IncomingMessage): Promise<Caller> {
    const header = req.headers[ASSERTION_HEADER];
    try {
      return await callerOf(typeof header === 'string' ? header : undefined);
    } catch (error) {
      refused({ reason: (error as Error).message });
      throw new HttpError(401, 'UNAUTHENTICATED', 'This service only answers its gateways');
    }
  }
  const authenticated = Object.fromEntries(
    Object.entries(options.authenticatedRoutes ?? {}).map(([prefix, handle]) => [
      prefix,
      async (req: IncomingMessage, res: ServerResponse, rest: string) => {
        const caller = await authenticate(req);
        // A service reaches the event feed only (which checks it is a reader); no other route.
        if (caller.service && prefix !== FEED_PATH) throw new HttpError(403, 'FORBIDDEN', `The ${caller.service} service may not call this route`);
        return handle(req, res, rest, caller);
      },
    ]),
  );
  observeDatabase(name, database);
  const captured = database.counter.captured;
  serve(httpServer, createRequestHandler<TContext, Caller>({
    apollo,
    logger,
    quiet: (req) => req.headers[BACKGROUND_HEADER] === '1',
    routes: {
      ...options.publicRoutes,
      // Diagnostic, only with DB_CAPTURE_STATEMENTS=true: the statements sent so far, for EXPLAIN.
      ...(captured && {
        '/debug/statements': (_req: IncomingMessage, res: ServerResponse) =>
          sendJson(res, 200, [...captured].map(([text, values]) => ({ text, values: values.map((v) => (typeof v === 'bigint' ? String(v) : v)) }))),
      }),
    },
    prefixRoutes: authenticated,
    authenticate,
    context: async (request) => options.context(request),
    ready: () => database.ping(),
  }));

  return {
    listen: (port, host) => listen(httpServer, port, host),
    async executeOperation(request, assertion) {
      const auth = await callerOf(assertion);
      const contextValue = await options.context({ requestId: 'in-process', log: logger, req: { headers: {} } as IncomingMessage, auth });
      return apollo.executeOperation(request, { contextValue });
    },
    async stop() {
      await apollo.stop(); // drains in-flight requests, then closes the HTTP server
      await options.onStop?.();
      await database.close();
    },
  };
}

/** The context of a subgraph whose data lives behind a Prisma client, plus its `TServices`. */
export type PrismaSubgraphContext<TDb, TLoaders, TServices = unknown> = BaseSubgraphContext & { db: TDb; loaders: TLoaders } & TServices;

/** What a subgraph process gives its subgraph besides its config: its database and logger. */
export interface SubgraphDeps {
  database: Database;
  logger: Logger;
}

/** Reads `schema.graphql` beside a subgraph's modules. */
export function loadTypeDefs(dir: string): DocumentNode {
  return gql(readFileSync(path.join(dir, 'schema.graphql'), 'utf8'));
}

/**
 * Declares a Prisma-backed subgraph: its client is made once per process, its loaders once
 * per request (so their cache never outlives a request). The result builds the subgraph from
 * its config (subgraphs/<name>/config.ts) and the process's database and logger.
 */
export function prismaSubgraph<TConfig extends SubgraphConfig, TDb extends TransactionalSqlClient & { $disconnect(): Promise<void> }, TLoaders, TServices extends object = object>(spec: {
  typeDefs: DocumentNode;
  /** The subgraph's generated `Resolvers`. */
  resolvers: object;
  createPrisma: (database: Database) => TDb;
  /** The raw reads of the hot loaders go through `database`'s pool (queryRows in lib/data/database.ts). */
  createLoaders: (db: TDb, database: Database) => TLoaders;
  /**
   * What the resolvers use besides the database (a token issuer, a blob store, a follower of
   * another service's events): made once at start and merged into every request's context.
   */
  services?: (db: TDb, config: TConfig, logger: Logger) => Promise<TServices>;
  /** Clean-ups run every `everyMs` while the subgraph runs (lib/data/purge.ts). */
  purge?: { everyMs: number; tasks: (db: TDb, config: TConfig) => Record<string, PurgeTask> };
  /** Endpoints anyone may call, by exact path (e.g. users' JWKS). */
  publicRoutes?: (services: TServices) => Routes;
  /** Endpoints by path prefix, any method, that like /graphql only a gateway's assertion reaches (e.g. media's files). */
  authenticatedRoutes?: (services: TServices, db: TDb, config: TConfig, logger: Logger) => CallerRoutes;
  /** Stops what `services` started (before the client disconnects). */
  stop?: (services: TServices) => Promise<void>;
  /**
   * Its domain events (lib/events): the services that may read its outbox feed (`GET /events`),
   * and what it does with other services' events.
   */
  events: {
    readers: readonly string[];
    handlers?: (services: TServices, db: TDb, logger: Logger) => Handlers;
  };
}) {
  return async (config: TConfig, { database, logger }: SubgraphDeps): Promise<SubgraphService> => {
    const db = spec.createPrisma(database);
    const services = ((await spec.services?.(db, config, logger)) ?? {}) as TServices;
    const producer = config.name as Producer;
    const handlers = spec.events.handlers?.(services, db, logger);
    const events: Events = await startEvents({ service: producer, db, config: config.events, handlers, logger });
    const purgeTasks = {
      ...spec.purge?.tasks(db, config),
      // Daily: outbox events (published ones, with NATS) and processed-event records past their 30 days.
      events: () => purgeEvents(db, { relayed: events.transport === 'nats', consumes: handlers !== undefined }),
    };
    const stopPurging = purgeEvery(spec.purge?.everyMs ?? 86_400_000, logger, purgeTasks);
    const service = await createSubgraph<PrismaSubgraphContext<TDb, TLoaders, TServices>>({
      name: config.name,
      typeDefs: spec.typeDefs,
      resolvers: spec.resolvers,
      database,
      logger,
      gatewayKeys: config.gatewayKeys,
      serviceKeys: config.serviceKeys,
      cursorSecret: config.cursorSecret,
      httpTimeouts: config.httpTimeouts,
      publicRoutes: spec.publicRoutes?.(services),
      authenticatedRoutes: {
        ...spec.authenticatedRoutes?.(services, db, config, logger),
        [FEED_PATH]: feedRoute(producer, db, spec.events.readers, () => ({ service: producer, transport: events.transport, lag: events.lag() })),
      },
      context: ({ requestId, log, auth, req }) => ({
        ...services,
        requestId,
        log,
        caller: auth,
        session: {},
        clientAddress: forwardedClientAddress(req),
        db,
        loaders: spec.createLoaders(db, database),
      }),
      async onStop() {
        stopPurging();
        await events.stop();
        await spec.stop?.(services);
        await db.$disconnect();
      },
    });
    // For a metrics gauge: each followed producer's events not yet applied.
    return Object.assign(service, { eventsLag: events.lag });
  };
}
