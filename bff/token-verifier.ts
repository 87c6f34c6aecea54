import type { IncomingMessage } from 'node:http';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import type { TokenConfig } from '../lib/config/tokens';
import { HttpError } from '../lib/http/server';
import { ROLES, type Role, type Viewer } from '../lib/identity/assertion';
import type { Revocations, TokenClaims } from './revocations';

/** Resolves with a valid access token's viewer; rejects with 401 (invalid, expired, revoked) or 503 (keys unavailable). */
export type VerifyToken = (token: string) => Promise<Viewer>;

export interface TokenVerifierOptions {
  /** users' JWKS. @default `/.well-known/jwks.json` on the users subgraph (`USERS_JWKS_URL`) */
  jwksUrl: string;
  /** `iss` and `aud` every token must carry (lib/config/tokens.ts). */
  tokens: Pick<TokenConfig, 'issuer' | 'audience'>;
  /** Tokens revoked before they expire; none when absent. */
  revocations?: Revocations;
}

/**
 * Verifies the access tokens users issues: ES256 only, against users' JWKS; `iss`, `aud`, `exp`
 * checked. Keys are fetched once and again only when a token names an unknown `kid` (at most
 * every 30 s), so users being down does not stop the BFFs from verifying tokens: an invalid token
 * is 401, keys that cannot be fetched 503 (never a reason to end a session). A token that
 * `revocations` covers (account deleted, role changed, signed out) is 401 too.
 */
export function clientTokenVerifier({ jwksUrl, tokens: { issuer, audience }, revocations }: TokenVerifierOptions): VerifyToken {
  const jwks = createRemoteJWKSet(new URL(jwksUrl), { timeoutDuration: 2_000, cooldownDuration: 30_000, cacheMaxAge: Infinity });
  // Fetched at start when users is up, so verifying does not wait for (or depend on) it later.
  jwks.reload().catch(() => undefined);
  return async function verify(token: string): Promise<Viewer> {
    const viewer = await verifySignature(token);
    if (revocations?.isRevoked(viewer.claims)) {
      throw new HttpError(401, 'UNAUTHENTICATED', 'The session has ended or the account has changed; sign in again');
    }
    return { id: viewer.id, role: viewer.role };
  };

  async function verifySignature(token: string): Promise<Viewer & { claims: TokenClaims }> {
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

/** The bearer token of an `Authorization` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}
