import type { IncomingMessage } from 'node:http';
import { parse as parseCookies } from 'cookie';

/**
 * The web session lives in two httpOnly, SameSite=Lax cookies, so scripts never see a token:
 * the access token (Path=/, its own lifetime) and the refresh token (Path=/graphql, the only
 * place that uses it). Over TLS both are Secure and carry the `__Host-` prefix.
 */
const ACCESS = 'fg_session';
const REFRESH = 'fg_refresh';

/** Behind a TLS-terminating proxy, `trustProxy` (`TRUST_PROXY=true`) makes `X-Forwarded-Proto: https` count as TLS. */
export function isTls(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  return trustProxy && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https';
}

/**
 * The access and refresh tokens a browser sent, if any. Over TLS only the `__Host-` names count:
 * a sibling subdomain can plant a plain cookie, never a `__Host-` one.
 */
export function readSession(req: IncomingMessage, tls: boolean): { access?: string; refresh?: string } {
  const cookies = parseCookies(req.headers.cookie ?? '');
  const name = (base: string) => (tls ? `__Host-${base}` : base);
  return { access: cookies[name(ACCESS)] || undefined, refresh: cookies[name(REFRESH)] || undefined };
}

// By hand, not the `cookie` package's serialize: that puts Max-Age before Path, and these exact
// strings are asserted (tests/e2e/bff-web.e2e.test.ts). Values need no encoding (JWT, base64url).
function cookie(name: string, value: string, path: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${secure ? `__Host-${name}` : name}=${value}`, `Path=${path}`, 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ');
}

/** Set-Cookie values for a new session. The `__Host-` prefix requires Path=/, so over TLS both use it. */
export function sessionCookies(tokens: { access: string; refresh?: string }, ttl: { access: number; refresh: number }, secure: boolean): string[] {
  return [
    cookie(ACCESS, tokens.access, '/', ttl.access, secure),
    ...(tokens.refresh ? [cookie(REFRESH, tokens.refresh, secure ? '/' : '/graphql', ttl.refresh, secure)] : []),
  ];
}

/** Set-Cookie values that end the session in the browser. */
export function clearedSessionCookies(secure: boolean): string[] {
  return [cookie(ACCESS, '', '/', 0, secure), cookie(REFRESH, '', secure ? '/' : '/graphql', 0, secure)];
}
