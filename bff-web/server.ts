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
import { clearedSessionCookie, isTls, readSessionCookie, sessionCookie } from './session';

/** Elements tagged with these are not part of the web contract. */
export const WEB_EXCLUDED_TAGS = ['internal', 'mobile'];

interface WebContext extends BffContext {
  tls: boolean;
}

/**
 * bff-web: the web contract of the supergraph behind a cookie session. The browser never holds
 * a token: `signIn`/`signUp` set an httpOnly cookie, `signOut` clears it, and every request with
 * the cookie reaches the subgraphs as that user.
 */
export async function createWebBff(logger: Logger): Promise<Service> {
  const supergraphSdl = contractSupergraph(readFileSync(SUPERGRAPH_SDL, 'utf8'), WEB_EXCLUDED_TAGS);
  const gateway = await createBffGateway('bff-web', supergraphSdl);
  const verify = clientTokenVerifier(defaultJwksUrl(subgraphUrls()));
  const ttl = tokenSettings().ttlSeconds;

  const httpServer = createHttpServer();
  const sessionCookies = onSession((context, headers) => {
    const { tls } = context as WebContext;
    if (context.session.token) headers.set('set-cookie', sessionCookie(context.session.token, ttl, tls));
    else if (context.session.ended) headers.set('set-cookie', clearedSessionCookie(tls));
  });
  const apollo = new ApolloServer<BffContext>({ gateway, ...bffServerOptions(httpServer, [sessionCookies]) });
  await apollo.start();

  const guard = originGuard(allowedOrigins(explorationSettings().sandbox));
  serve(
    httpServer,
    createRequestHandler<WebContext, { viewer: BffContext['viewer']; tls: boolean }>({
      apollo: apollo as unknown as ApolloServer<WebContext>,
      logger,
      intercept: guard,
      async authenticate(req) {
        const tls = isTls(req);
        const token = readSessionCookie(req);
        if (!token) return { viewer: null, tls };
        try {
          return { viewer: await verify(token), tls };
        } catch (error) {
          // A dead session: refuse, and clear the cookie so the next request is anonymous.
          const { status, code, message } = error as HttpError;
          throw new HttpError(status, code, message, { 'set-cookie': clearedSessionCookie(tls) });
        }
      },
      context: async ({ requestId, log, auth }) => ({ requestId, log, viewer: auth.viewer, tls: auth.tls, session: {} }),
      // Ready once the supergraph is loaded, which start() has done.
      ready: async () => true,
    }),
  );
  return {
    listen: (port, host) => listen(httpServer, port, host),
    stop: () => apollo.stop(),
  };
}
