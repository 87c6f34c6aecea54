import type { IncomingMessage } from 'node:http';
import { envBool } from '../lib/config';

/**
 * The web session cookie: httpOnly (scripts never see the token), SameSite=Lax, Path=/, and
 * Secure with the `__Host-` prefix when the request came over TLS. Its lifetime is the token's.
 */
const NAME = 'fg_session';
const SECURE_NAME = `__Host-${NAME}`;

/** Behind a TLS-terminating proxy, `TRUST_PROXY=true` makes `X-Forwarded-Proto: https` count as TLS. */
const TRUST_PROXY = envBool('TRUST_PROXY', false);

export function isTls(req: IncomingMessage): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true;
  return TRUST_PROXY && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0].trim() === 'https';
}

export function readSessionCookie(req: IncomingMessage): string | undefined {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) cookies.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return cookies.get(SECURE_NAME) ?? cookies.get(NAME);
}

export function sessionCookie(token: string, maxAgeSeconds: number, secure: boolean): string {
  return [`${secure ? SECURE_NAME : NAME}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`, ...(secure ? ['Secure'] : [])].join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', 0, secure);
}
