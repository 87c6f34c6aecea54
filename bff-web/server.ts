import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import {
  bffServerOptions,
  clientTokenVerifier,
  createBffGateway,
  defaultJwksUrl,
  explorationSettings,
  onSession,
  subgraphUrls,
  type BffContext,
} from '../lib/bff';
import { SUPERGRAPH_SDL } from '../lib/composition';
import { contractSupergraph } from '../lib/contract';
import { createHttpServer, createRequestHandler, HttpError, listen, serve } from '../lib/http';
import type { Logger } from '../lib/logger';
import type { Service } from '../lib/subgraph';
import { tokenSettings } from '../lib/tokens';
import { allowedOrigins, originGuard } from './origins';
import { clearedSessionCookies, isTls, readSession, sessionCookies } from './session';

/** Elements tagged with these are not part of the web contract. */
export const WEB_EXCLUDED_TAGS = ['internal', 'mobile'];

interface WebContext extends BffContext {
  tls: boolean;
  /** The refresh token the browser sent (revoked at sign-out). */
  refreshToken?: string;
  /** Cookies to set whatever the operation does: a session renewed before it ran. */
  cookies: string[];
}

interface WebAuth {
  viewer: BffContext['viewer'];
  tls: boolean;
  refreshToken?: string;
  cookies: string[];
}

/**
 * bff-web: the web contract of the supergraph behind a cookie session. The browser never holds
 * a token: `signIn`/`signUp` set httpOnly cookies (access and refresh), a request whose access
 * token has expired is renewed with the refresh token before it runs, `signOut` revokes the
 * refresh token and clears both, and every request with the cookies reaches the subgraphs as
 * that user.
 */
export async function createWebBff(logger: Logger): Promise<Service> {
  const supergraphSdl = contractSupergraph(readFileSync(SUPERGRAPH_SDL, 'utf8'), WEB_EXCLUDED_TAGS);
  const { gateway, sessions } = await createBffGateway('bff-web', supergraphSdl, logger);
  const verify = clientTokenVerifier(defaultJwksUrl(subgraphUrls()));
  const { ttlSeconds, refreshTtlSeconds } = tokenSettings();
  const ttl = { access: ttlSeconds, refresh: refreshTtlSeconds };

  const httpServer = createHttpServer();
  const cookies = onSession(async (context, headers) => {
    const web = context as WebContext;
    let set = web.cookies;
    if (context.session.token) set = sessionCookies({ access: context.session.token, refresh: context.session.refreshToken }, ttl, web.tls);
    else if (context.session.ended) {
      if (web.refreshToken) await sessions.revoke(web.refreshToken);
      set = clearedSessionCookies(web.tls);
    }
    if (set.length) headers.set('set-cookie', set.join('\n'));
  });
  const apollo = new ApolloServer<BffContext>({ gateway, ...bffServerOptions(httpServer, [cookies]) });
  await apollo.start();

  const guard = originGuard(allowedOrigins(explorationSettings().sandbox));
  serve(
    httpServer,
    createRequestHandler<WebContext, WebAuth>({
      apollo: apollo as unknown as ApolloServer<WebContext>,
      logger,
      intercept: guard,
      // The access cookie when it verifies; else the refresh cookie buys a new session first.
      async authenticate(req) {
        const tls = isTls(req);
        const { access, refresh } = readSession(req);
        const dead = () => new HttpError(401, 'UNAUTHENTICATED', 'The session has ended; sign in again', { 'set-cookie': clearedSessionCookies(tls).join('\n') });
        if (access) {
          try {
            return { viewer: await verify(access), tls, refreshToken: refresh, cookies: [] };
          } catch {
            if (!refresh) throw dead();
          }
        }
        if (!refresh) return { viewer: null, tls, cookies: [] };
        const renewed = await sessions.refresh(refresh);
        if (!renewed) throw dead();
        return {
          viewer: await verify(renewed.accessToken),
          tls,
          refreshToken: renewed.refreshToken,
          cookies: sessionCookies({ access: renewed.accessToken, refresh: renewed.refreshToken }, ttl, tls),
        };
      },
      context: async ({ requestId, log, auth }) => ({ requestId, log, session: {}, ...auth }),
      // Ready once the supergraph is loaded, which start() has done.
      ready: async () => true,
    }),
  );
  return {
    listen: (port, host) => listen(httpServer, port, host),
    stop: () => apollo.stop(),
  };
}
