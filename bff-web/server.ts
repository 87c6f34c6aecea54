import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer } from '@apollo/server';
import type { BffContext } from '../bff/context';
import { createBffGateway } from '../bff/gateway';
import { graphiqlRoutes } from '../bff/graphiql';
import { supergraphSource } from '../bff/supergraph-source';
import { answeredIncomplete, useIncompleteAnswers } from '../bff/plugins/use-incomplete-answers';
import { useResponseCaching } from '../bff/plugins/use-response-caching';
import { useSessionReport } from '../bff/plugins/use-session-report';
import { clientAddress, consumeOrRefuse } from '../bff/rate-limits';
import { bffServerOptions } from '../bff/server-options';
import { bffSharedState } from '../bff/shared-state';
import { clientTokenVerifier } from '../bff/token-verifier';
import { createHttpServer, createRequestHandler, HttpError, listen, serve } from '../lib/http/server';
import type { Logger } from '../lib/telemetry/logger';
import { DEFAULT_PAGE_SIZE } from '../lib/graphql/pagination';
import type { Service } from '../lib/http/service';
import type { WebConfig } from './config';
import { webSupergraphSdl } from './contract';
import { allowedOrigins, originGuard } from './origins';
import { sharedRefresh } from './refresh';
import { clearedSessionCookies, isTls, readSession, sessionCookies } from './session';
import { staticFiles } from './static';

interface WebContext extends BffContext {
  tls: boolean;
  /** The refresh token the browser holds now (revoked at sign-out). */
  refreshToken?: string;
}

interface WebAuth {
  viewer: BffContext['viewer'];
  tls: boolean;
  refreshToken?: string;
  clientAddress: string;
}

/**
 * bff-web: the web contract of the supergraph behind a cookie session. The browser never holds
 * a token: `signIn`/`signUp` set httpOnly cookies (access and refresh), a request whose access
 * token has expired is renewed with the refresh token before it runs, `signOut` revokes the
 * refresh token and clears both, and every request with the cookies reaches the subgraphs as
 * that user.
 */
export async function createWebBff(config: WebConfig, logger: Logger): Promise<Service> {
  const { gateway, sessions, mediaFiles, revocations } = await createBffGateway(
    'bff-web',
    supergraphSource({ ...config.supergraph, prepare: webSupergraphSdl, logger }),
    logger,
    config,
  );
  const verify = clientTokenVerifier({ jwksUrl: config.jwksUrl, tokens: config.tokens, revocations });
  const shared = await bffSharedState('bff-web', config, logger);
  const limits = shared.sessionLimits;
  const ttl = { access: config.tokens.ttlSeconds, refresh: config.tokens.refreshTtlSeconds };
  const { trustProxy } = config;

  const httpServer = createHttpServer(config.httpTimeouts);
  const refresh = sharedRefresh(sessions, config.refreshReuseWindowMs, shared.redis && { redis: shared.redis, timeoutMs: config.resilience.users.timeoutMs });
  const cookies = useSessionReport<BffContext>(async (context, headers) => {
    const web = context as WebContext;
    if (context.session.token) {
      headers.set('set-cookie', sessionCookies({ access: context.session.token, refresh: context.session.refreshToken }, ttl, web.tls).join('\n'));
    } else if (context.session.ended) {
      // The browser forgets the session even if users cannot be told right now.
      if (web.refreshToken) await sessions.revoke(web.refreshToken).catch((error) => web.log.warn({ err: error }, 'could not revoke at sign-out'));
      headers.set('set-cookie', clearedSessionCookies(web.tls).join('\n'));
    }
  });
  const apollo = new ApolloServer<BffContext>({
    gateway,
    ...bffServerOptions({
      httpServer,
      config,
      pageSize: DEFAULT_PAGE_SIZE,
      sessionLimits: limits,
      plugins: [
        cookies,
        useIncompleteAnswers<BffContext>(),
        ...useResponseCaching<BffContext>({ enabled: config.responseCache, cacheable: (context) => !answeredIncomplete(context), cache: shared.responseCache }),
      ],
    }),
  });
  await apollo.start();

  // The access cookie when it verifies; else the refresh cookie buys a new session first,
  // whose cookies go on the response at once (whatever happens to the request after). An
  // access token revoked meanwhile (a new role, say) is renewed the same way; the cookies
  // are cleared only when the refresh fails too.
  async function authenticate(req: IncomingMessage, res: ServerResponse): Promise<WebAuth> {
    const tls = isTls(req, trustProxy);
    const address = clientAddress(req, trustProxy);
    const { access, refresh: refreshToken } = readSession(req, tls);
    const dead = () => new HttpError(401, 'UNAUTHENTICATED', 'The session has ended; sign in again', { 'set-cookie': clearedSessionCookies(tls).join('\n') });
    if (access) {
      try {
        return { viewer: await verify(access), tls, refreshToken, clientAddress: address };
      } catch (error) {
        if ((error as HttpError).status !== 401) throw error; // keys unavailable: not the session's fault
        if (!refreshToken) throw dead();
      }
    }
    if (!refreshToken) return { viewer: null, tls, clientAddress: address };
    await consumeOrRefuse(limits, 'refreshSession', address);
    const outcome = await refresh(refreshToken, address);
    if (outcome.kind === 'ended') throw dead();
    if (outcome.kind === 'unavailable') {
      throw new HttpError(503, 'SUBGRAPH_UNAVAILABLE', 'Sessions cannot be checked right now; try again shortly');
    }
    res.appendHeader('set-cookie', sessionCookies({ access: outcome.accessToken, refresh: outcome.refreshToken }, ttl, tls));
    return { viewer: await verify(outcome.accessToken), tls, refreshToken: outcome.refreshToken, clientAddress: address };
  }

  // Sandbox's origins get credentialed CORS only outside production, even with ENABLE_SANDBOX.
  const guard = originGuard({
    allowed: allowedOrigins(config.allowedOrigins, config.sandbox && !config.production),
    publicOrigin: config.publicOrigin,
    trustProxy,
  });
  serve(
    httpServer,
    createRequestHandler<WebContext, WebAuth>({
      apollo: apollo as unknown as ApolloServer<WebContext>,
      logger,
      intercept: guard,
      // Files are asked as the session's viewer, so a draft's images reach its author.
      prefixRoutes: { ...mediaFiles(async (req, res) => (await authenticate(req, res)).viewer), ...graphiqlRoutes(config.sandbox) },
      // The web app (npm run build), at / and every page path.
      fallback: staticFiles(config.webDist),
      compressAnswers: true,
      authenticate,
      context: async ({ requestId, log, auth }) => ({ requestId, log, session: {}, ...auth }),
      // Ready once the supergraph is loaded, which start() has done, and revocations were first read.
      ready: async () => revocations.loaded(),
    }),
  );
  return {
    listen: (port, host) => listen(httpServer, port, host),
    async stop() {
      await apollo.stop();
      await revocations.stop();
      await shared.stop();
    },
  };
}
