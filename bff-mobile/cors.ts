import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * CORS for the mobile app's web build, served from an origin of its own (Expo's dev server, or
 * any static host): only the configured origins (`MOBILE_WEB_ORIGINS`, default none) get CORS
 * headers, without credentials, since the app sends a bearer token and never a cookie. Other
 * origins get no headers, so their pages cannot read an answer; a native app sends no Origin.
 * Every answer then says it varies by Origin, those without CORS headers too: a shared cache
 * must not hand one origin (or a native app) the answer it kept for another.
 */
export function mobileCors(allowed: readonly string[]) {
  const origins = new Set(allowed);
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    if (origins.size === 0) return false;
    res.appendHeader('vary', 'Origin');
    const origin = req.headers.origin;
    if (origin === undefined || !origins.has(origin)) return false;
    res.setHeader('access-control-allow-origin', origin);
    if (req.method !== 'OPTIONS') return false;
    res.writeHead(204, {
      'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, apollographql-client-name, apollo-require-preflight, x-request-id',
      'access-control-max-age': '600',
    });
    res.end();
    return true;
  };
}
