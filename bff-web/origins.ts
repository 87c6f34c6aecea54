import type { IncomingMessage, ServerResponse } from 'node:http';
import { envString } from '../lib/config/env';
import { sendJson } from '../lib/http/server';
import { isTls } from './session';

/** Origins of Apollo's embedded Sandbox, allowed while Sandbox is on. */
const SANDBOX_ORIGINS = ['https://sandbox.embed.apollographql.com', 'https://studio.apollographql.com'];

/**
 * Which browser origins may call bff-web: its own origin always, those in `WEB_ORIGINS`
 * (comma-separated, default none), and Sandbox's while Sandbox is on.
 */
export function allowedOrigins(sandbox: boolean): Set<string> {
  const configured = envString('WEB_ORIGINS', '')
    .split(',')
    .map((o) => o.trim().replace(/\/$/, ''))
    .filter(Boolean);
  return new Set([...configured, ...(sandbox ? SANDBOX_ORIGINS : [])]);
}

/**
 * bff-web's own origin as browsers see it (`WEB_PUBLIC_ORIGIN`, e.g. https://app.example.com). When
 * set, only it counts as same-origin; unset (development), the request's Host header is trusted,
 * which a DNS-rebinding page could imitate (without the user's cookies, which are host-bound).
 */
const PUBLIC_ORIGIN = envString('WEB_PUBLIC_ORIGIN', '').replace(/\/$/, '');

function sameOrigin(req: IncomingMessage, origin: string): boolean {
  if (PUBLIC_ORIGIN) return origin === PUBLIC_ORIGIN;
  return req.headers.host !== undefined && origin === `${isTls(req) ? 'https' : 'http'}://${req.headers.host}`;
}

/**
 * CORS and the CSRF origin check, before anything else: a request from a browser origin that
 * is not allowed is refused (403) whatever it asks; an allowed one gets CORS headers with
 * credentials; a preflight is answered here. Requests without `Origin` (not from a browser's
 * cross-origin fetch) pass on to Apollo, whose CSRF prevention refuses "simple" requests.
 */
export function originGuard(allowed: Set<string>) {
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
