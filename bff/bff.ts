import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { envBool, envString, envUrl } from '../lib/config/env';
export { subgraphUrls, subgraphUrlVariable } from '../lib/graphql/composition';
import { subgraphUrls } from '../lib/graphql/composition';
import { PUBLIC_CODES, requestFaultCode } from '../lib/graphql/errors';
import { logMaskedErrors, requireOperation } from '../lib/graphql/plugins';
import { CircuitBreaker, subgraphError, SubgraphCallError } from '../lib/resilience/breaker';
import { deduplicated } from '../lib/resilience/dedup';
import { isTimeout, resilientFetch } from '../lib/resilience/fetch';
import { resilienceConfig } from '../lib/config/resilience';
import { queryLimitRules, queryLimits, tooLarge } from '../lib/graphql/query-limits';
import { queryLimitsConfig } from '../lib/config/query-limits';
import { HttpError, type PrefixRoutes } from '../lib/http/server';
import { mediaProxy, type ViewerOf } from './media-proxy';
import { ASSERTION_HEADER, assertionSigner, callSubgraph, ROLES, type Role, type Viewer } from '../lib/identity/assertion';
import { loadSigningKey } from '../lib/identity/keys';
import type { Logger } from '../lib/telemetry/logger';
import { GATEWAY_SIGNING_KEY } from '../lib/http/main';
import { SESSION_ENDED_HEADER, SESSION_HEADER, SESSION_REFRESH_HEADER } from '../lib/subgraph/server';
import { tokenSettings } from '../lib/identity/tokens';
import { followRevocations, type Revocations } from './revocations';
import { CLIENT_ADDRESS_HEADER, sessionLimitsFromEnv, sessionRateLimits, type SessionLimits } from './rate-limits';

/** What every BFF request carries through the gateway to the subgraphs. */
export interface BffContext extends BaseContext {
  requestId: string;
  log: Logger;
  /** The verified client identity; null when anonymous. */
  viewer: Viewer | null;
  /** What the users subgraph said about the session during this request (sign-in or sign-out). */
  session: { token?: string; refreshToken?: string; ended?: boolean };
  /** The client's address (bff/rate-limits.ts clientAddress), for per-address limits; users gets it too. */
  clientAddress?: string;
}

/**
 * Verifies the access tokens users issues: ES256 only, against users' JWKS
 * (`USERS_JWKS_URL`, default `/.well-known/jwks.json` on the users subgraph); `iss`, `aud`, `exp`
 * checked. Keys are fetched once and again only when a token names an unknown `kid` (at most
 * every 30 s), so users being down does not stop the BFFs from verifying tokens: an invalid token
 * is 401, keys that cannot be fetched 503 (never a reason to end a session). A token that
 * `revocations` covers (account deleted, role changed, signed out) is 401 too.
 */
export function clientTokenVerifier(jwksUrl: string, revocations?: Revocations) {
  const jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 2_000, cooldownDuration: 30_000, cacheMaxAge: Infinity });
  // Fetched at start when users is up, so verifying does not wait for (or depend on) it later.
  jwks.reload().catch(() => undefined);
  const { issuer, audience } = tokenSettings();
  return async function verify(token: string): Promise<Viewer> {
    const viewer = await verifySignature(token);
    if (revocations?.isRevoked(viewer.claims)) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'The session has ended or the account has changed; sign in again');
    }
    return { id: viewer.id, role: viewer.role };
  };

  async function verifySignature(token: string): Promise<Viewer & { claims: { sub: string; iat: number; sid?: string } }> {
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer,
        audience,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      if (!ROLES.includes(payload.role as Role)) throw new Error('unknown role');
      if (payload.sid !== undefined && typeof payload.sid !== 'string') throw new Error('sid is not a string');
      const claims = { sub: payload.sub!, iat: payload.iat!, sid: payload.sid as string | undefined };
      return { id: payload.sub!, role: payload.role as Role, claims };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const keysUnreachable =
        code === 'ERR_JWKS_TIMEOUT' ||
        code === 'ERR_JWKS_INVALID' ||
        (error instanceof TypeError && /fetch/i.test(error.message)) ||
        /JSON Web Key Set HTTP response/.test((error as Error).message);
      if (keysUnreachable) {
        throw new HttpError(503, 'SUBGRAPH_UNAVAILABLE', 'Sign-in cannot be checked right now; try again shortly');
      }
      throw new HttpError(401, 'UNAUTHENTICATED', 'The access token is invalid or expired; sign in again');
    }
  }
}

export function defaultJwksUrl(urls: Record<string, string>): string {
  return envUrl('USERS_JWKS_URL', new URL('/.well-known/jwks.json', urls.users).toString());
}

/**
 * A subgraph data source that signs each request with a gateway assertion for the verified
 * viewer, forwards the request id, and picks up session changes reported by users.
 */
type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'];

class BffDataSource extends RemoteGraphQLDataSource<BffContext> {
  private readonly breaker: CircuitBreaker;

  constructor(
    private readonly subgraph: string,
    url: string,
    private readonly sign: (viewer: Viewer | null) => Promise<string>,
    logger: Logger,
  ) {
    const settings = resilienceConfig(subgraph);
    super({ url, fetcher: deduplicated(resilientFetch(settings)) as unknown as Fetcher });
    this.breaker = new CircuitBreaker(subgraph, settings, logger);
  }

  /** A body that is not JSON, or not complete in time, is a failed call. */
  async parseBody(...args: Parameters<RemoteGraphQLDataSource<BffContext>['parseBody']>) {
    try {
      const body = await super.parseBody(...args);
      if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
      return body;
    } catch (error) {
      if (isTimeout(error)) throw new SubgraphCallError('SUBGRAPH_TIMEOUT', `body not complete in time: ${(error as Error).message}`);
      throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `invalid JSON: ${(error as Error).message}`);
    }
  }

  /** A failed call is left to `process`, where the breaker counts it; anything else is SUBGRAPH_UNAVAILABLE. */
  didEncounterError(error: Error, _request: unknown, _response: unknown, context?: BffContext): never {
    if (error instanceof SubgraphCallError) throw error;
    context?.log?.warn({ subgraph: this.subgraph, code: 'SUBGRAPH_UNAVAILABLE', reason: error.message }, 'subgraph call failed');
    throw subgraphError(this.subgraph, 'SUBGRAPH_UNAVAILABLE');
  }

  /**
   * The whole call (fetch and parse) runs through the breaker. A failed call becomes
   * SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT for the client, the reason going to the log, and
   * its error names where in the response its data was needed (`path`).
   */
  async process(options: GraphQLDataSourceProcessOptions<BffContext>) {
    try {
      return await this.breaker.call(() => super.process(options));
    } catch (failure) {
      let error = failure;
      if (error instanceof SubgraphCallError) {
        options.context?.log?.warn({ subgraph: this.subgraph, code: error.code, reason: error.message }, 'subgraph call failed');
        error = subgraphError(this.subgraph, error.code);
      }
      // The gateway writes "each item of this list" as @; a GraphQL path has field names and indexes only.
      const path = 'pathInIncomingRequest' in options ? options.pathInIncomingRequest?.filter((segment) => segment !== '@') : undefined;
      if (error instanceof GraphQLError && path) throw new GraphQLError(error.message, { path, extensions: error.extensions });
      throw error;
    }
  }

  async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<BffContext>) {
    const headers = request.http!.headers;
    headers.set(ASSERTION_HEADER, await this.sign(context?.viewer ?? null));
    if (context?.requestId) headers.set('x-request-id', context.requestId);
    // users limits sign-in attempts per account and favours the addresses an account signed in from.
    if (this.subgraph === 'users' && context?.clientAddress) headers.set(CLIENT_ADDRESS_HEADER, context.clientAddress);
  }

  didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<BffContext>['didReceiveResponse']>>[0]) {
    if (this.subgraph === 'users' && context?.session) {
      const token = response.http?.headers.get(SESSION_HEADER);
      if (token) context.session.token = token;
      const refreshToken = response.http?.headers.get(SESSION_REFRESH_HEADER);
      if (refreshToken) context.session.refreshToken = refreshToken;
      if (response.http?.headers.get(SESSION_ENDED_HEADER)) context.session.ended = true;
    }
    return response;
  }
}

/** What spending a refresh token gave: a new session, a definite end, or no answer (try later). */
export type RefreshOutcome = { kind: 'renewed'; accessToken: string; refreshToken: string } | { kind: 'ended' } | { kind: 'unavailable' };

/**
 * What a BFF asks users about sessions outside any client operation: spending a refresh token
 * for a new session, and revoking one at sign-out. Direct calls, with an anonymous assertion.
 */
export interface Sessions {
  refresh(refreshToken: string, clientAddress?: string): Promise<RefreshOutcome>;
  revoke(refreshToken: string): Promise<void>;
}

function usersSessions(usersUrl: string, sign: (viewer: Viewer | null) => Promise<string>): Sessions {
  const call = async (query: string, variables: Record<string, unknown>, address?: string) =>
    callSubgraph(usersUrl, await sign(null), query, variables, 5_000, address ? { [CLIENT_ADDRESS_HEADER]: address } : {});
  return {
    async refresh(refreshToken, address) {
      try {
        const response = await call('mutation BffRefresh($t: String!) { refreshSession(refreshToken: $t) { expiresAt } }', { t: refreshToken }, address);
        const accessToken = response.headers.get(SESSION_HEADER);
        const next = response.headers.get(SESSION_REFRESH_HEADER);
        const body = (await response.json().catch(() => ({}))) as { errors?: { extensions?: { code?: string } }[] };
        if (accessToken && next) return { kind: 'renewed', accessToken, refreshToken: next };
        // Only users saying UNAUTHENTICATED ends a session; an outage must not log anyone out.
        return body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? { kind: 'ended' } : { kind: 'unavailable' };
      } catch {
        return { kind: 'unavailable' };
      }
    },
    async revoke(refreshToken) {
      const response = await call('mutation BffSignOut($t: String) { signOut(refreshToken: $t) }', { t: refreshToken });
      await response.body?.cancel();
    },
  };
}

/**
 * A gateway over `supergraphSdl` whose subgraph calls carry `client`'s assertions, its session
 * client, and its pass-through to media's file endpoints (given how to authenticate a request).
 */
export async function createBffGateway(
  client: string,
  supergraphSdl: string,
  logger: Logger,
): Promise<{ gateway: ApolloGateway; sessions: Sessions; mediaFiles: (viewerOf: ViewerOf) => PrefixRoutes; revocations: Revocations }> {
  const key = await loadSigningKey(GATEWAY_SIGNING_KEY, 'gateway-signing.jwk.json');
  const sign = assertionSigner(key, client);
  const urls = subgraphUrls();
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => new BffDataSource(name, urls[name], sign, logger),
  });
  return {
    gateway,
    sessions: usersSessions(urls.users, sign),
    // The file routes authenticate their client the way the BFF's /graphql does (`viewerOf`).
    mediaFiles: (viewerOf) => mediaProxy(urls.media, sign, logger, viewerOf),
    revocations: followRevocations(urls.users, () => sign(null), logger),
  };
}

/**
 * Sandbox and introspection: on outside production; in production off unless
 * `ENABLE_SANDBOX` / `ENABLE_INTROSPECTION` say otherwise.
 */
export function explorationSettings() {
  const production = envString('NODE_ENV') === 'production';
  const sandbox = envBool('ENABLE_SANDBOX', !production);
  return {
    sandbox,
    introspection: envBool('ENABLE_INTROSPECTION', !production),
    landingPage: sandbox
      ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: true })
      : ApolloServerPluginLandingPageDisabled(),
  };
}

/** The bearer token of an `Authorization` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** A plugin that lets a BFF act on the session users reported (set or clear cookies, …). */
export function onSession(act: (context: BffContext, headers: Map<string, string>) => void | Promise<void>): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          await act(contextValue, response.http.headers as unknown as Map<string, string>);
        },
      };
    },
  };
}

/**
 * What a client may see of an error: a public code keeps its message (and the field or
 * subgraph it concerns); a subgraph failure becomes SUBGRAPH_UNAVAILABLE naming the subgraph;
 * a refusal of the request itself without a code (a wrong APQ hash) BAD_REQUEST with its
 * message; anything else a fixed message. Never a stack, a URL, a host or SQL.
 */
export function maskError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const fault = requestFaultCode(error);
  if (fault) return { message: formatted.message, extensions: { code: fault } };
  const { code, field, serviceName, retryAfter } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const large = code === 'GRAPHQL_PARSE_FAILED' ? tooLarge(formatted.message) : undefined;
  if (large) return { message: large.message, extensions: { code: large.code } };
  const base = { ...(formatted.locations && { locations: formatted.locations }), ...(formatted.path && { path: formatted.path }) };
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
    return {
      message: formatted.message,
      ...base,
      extensions: {
        code,
        ...(field !== undefined && { field }),
        ...(serviceName !== undefined && { serviceName }),
        ...(typeof retryAfter === 'number' && { retryAfter }),
      },
    };
  }
  if (typeof serviceName === 'string') {
    return { message: `The ${serviceName} service could not answer`, ...base, extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName } };
  }
  return { message: 'Internal server error', ...base, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}

/**
 * Cache-Control and response caching, from the schema's @cacheControl hints (a gateway takes the
 * subgraphs' hints from their Cache-Control headers). Any answer to a signed-in viewer is
 * `private`. Anonymous reads are answered from an in-memory response cache for as long as the
 * hints allow (`RESPONSE_CACHE`, default on); a request with `Cache-Control: no-cache` skips it.
 * Answers with errors are never stored, nor those `cacheable` refuses.
 */
export function cachingPlugins<TContext extends BffContext>(cacheable: (context: TContext) => boolean = () => true): ApolloServerPlugin<TContext>[] {
  const privateForViewers: ApolloServerPlugin<TContext> = {
    async requestDidStart({ contextValue, overallCachePolicy }) {
      if (contextValue.viewer) overallCachePolicy.restrict({ scope: 'PRIVATE' });
    },
  };
  if (!envBool('RESPONSE_CACHE', true)) return [privateForViewers];
  type Request = { contextValue: TContext; request: { http?: { headers: { get(name: string): string | undefined } } } };
  const anonymous = ({ contextValue, request }: Request) => !contextValue.viewer && !/no-cache|no-store/i.test(request.http?.headers.get('cache-control') ?? '');
  return [
    privateForViewers,
    responseCachePlugin<TContext>({
      shouldReadFromCache: async (requestContext) => anonymous(requestContext),
      shouldWriteToCache: async (requestContext) => anonymous(requestContext) && cacheable(requestContext.contextValue),
    }),
  ];
}

/**
 * Apollo Server options both BFFs share. `pageSize` is the page their resolvers serve when a
 * client leaves `first` null or out, for the query limits' estimate; `sessionLimits` are the
 * per-address limits of session operations.
 */
export function bffServerOptions(
  httpServer: Server,
  plugins: ApolloServerPlugin<BffContext>[] = [],
  { pageSize, sessionLimits = sessionLimitsFromEnv() }: { pageSize: number; sessionLimits?: SessionLimits },
) {
  const { introspection, landingPage } = explorationSettings();
  const limits = queryLimitsConfig();
  return {
    introspection,
    // Parsing stops at the token limit: a huge document costs microseconds, not the seconds its
    // validation and planning would.
    parseOptions: { maxTokens: limits.tokens },
    // Each validation error costs about a millisecond to build and format: a small document with
    // 60 repeated directives is 60 of them. The first ten say what to fix.
    validationOptions: { maxErrors: 10 },
    // graphql-armor's depth and alias counts, taken in the same pass; queryLimits decides.
    validationRules: queryLimitRules,
    includeStacktraceInErrorResponses: false,
    // Shutdown is lib/http/main.ts's: Apollo's own handler would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    formatError: maskError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      landingPage,
      logMaskedErrors<BffContext>(),
      requireOperation<BffContext>(),
      queryLimits<BffContext>(limits, { pageSize }),
      sessionRateLimits<BffContext>(sessionLimits),
      ...plugins,
    ],
  };
}
