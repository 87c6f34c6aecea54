import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../lib/http/server';
import { isTls } from './session';

/** Origins of Apollo's embedded Sandbox, allowed while Sandbox is on. */
const SANDBOX_ORIGINS = ['https://sandbox.embed.apollographql.com', 'https://studio.apollographql.com'];

/**
 * Which browser origins may call bff-web besides its own: `configured` (`WEB_ORIGINS`, default
 * none), and Sandbox's while Sandbox is on.
 */
export function allowedOrigins(configured: string[], sandbox: boolean): Set<string> {
  return new Set([...configured, ...(sandbox ? SANDBOX_ORIGINS : [])]);
}

export interface OriginGuardOptions {
  /** Origins allowed besides bff-web's own (allowedOrigins). */
  allowed: Set<string>;
  /**
   * bff-web's own origin as browsers see it (`WEB_PUBLIC_ORIGIN`). When set, only it counts as
   * same-origin; unset (development), the request's Host header is trusted, which a DNS-rebinding
   * page could imitate (without the user's cookies, which are host-bound). @default unset
   */
  publicOrigin?: string;
  /** `TRUST_PROXY`: whether `X-Forwarded-Proto` says the scheme. @default false */
  trustProxy?: boolean;
}

/**
 * CORS and the CSRF origin check, before anything else: a request from a browser origin that
 * is not allowed is refused (403) whatever it asks; an allowed one gets CORS headers with
 * credentials; a preflight is answered here. Requests without `Origin` (not from a browser's
 * cross-origin fetch) pass on to Apollo, whose CSRF prevention refuses "simple" requests.
 */
export function originGuard({ allowed, publicOrigin, trustProxy = false }: OriginGuardOptions) {
  const sameOrigin = (req: IncomingMessage, origin: string): boolean => {
    if (publicOrigin) return origin === publicOrigin;
    return req.headers.host !== undefined && origin === `${isTls(req, trustProxy) ? 'https' : 'http'}://${req.headers.host}`;
  };
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    if (!allowed.has(origin) && !sameOrigin(req, origin)) {
      sendJson(res, 403, { errors: [{ message: `Requests from ${origin} are not allowed`, extensions: { code: 'FORBIDDEN' } }] });
      return true;
    }
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
        'access-control-allow-headers': 'content-type, apollo-require-preflight, x-apollo-operation-name, x-request-id',
        'access-control-max-age': '600',
      });
      res.end();
      return true;
    }
    return false;
  };
}
