import { randomUUID } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import type { Viewer } from '../../../lib/identity/assertion';
import { ALGORITHM, loadSigningKey } from '../../../lib/identity/keys';
import type { UsersConfig } from '../config';

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

export interface TokenIssuer {
  /**
   * An access token for `user` in sign-in `sessionId` (its `sid`), issued no earlier than
   * `notBefore` (seconds; the user's latest revocation), so a revocation never covers a token
   * issued after it even within the same second.
   */
  issue(user: Viewer, options: { sessionId: string; notBefore?: number }): Promise<IssuedToken>;
  /** The JWKS served at /.well-known/jwks.json: the current key and any previous ones. */
  jwks: { keys: JWK[] };
}

/**
 * Access tokens: ES256 JWTs with `sub`, `role`, `sid`, `iss`, `aud`, `iat`, `exp`, `jti` and a `kid`.
 * The key comes from `AUTH_SIGNING_KEY` (a private JWK), or outside production from a key file
 * generated once under `<DATA_DIR>/keys`. After a rotation, put the old public key in
 * `AUTH_PREVIOUS_PUBLIC_KEYS` until its tokens have expired, so they keep verifying.
 */
export async function createTokenIssuer({ tokens: settings, previousPublicKeys, signingKey }: Pick<UsersConfig, 'tokens' | 'previousPublicKeys' | 'signingKey'>): Promise<TokenIssuer> {
  // The key itself is async to load (generated on first use in development): it is read here, at start.
  const key = await loadSigningKey(signingKey);
  return {
    jwks: { keys: [key.publicJwk, ...previousPublicKeys] },
    async issue(user, { sessionId, notBefore = 0 }) {
      const issuedAt = Math.max(Math.floor(Date.now() / 1000), Math.ceil(notBefore));
      const expiresAt = new Date((issuedAt + settings.ttlSeconds) * 1000);
      const token = await new SignJWT({ role: user.role, sid: sessionId })
        .setProtectedHeader({ alg: ALGORITHM, kid: key.kid, typ: 'at+jwt' })
        .setSubject(user.id)
        .setIssuer(settings.issuer)
        .setAudience(settings.audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(expiresAt)
        .setJti(randomUUID())
        .sign(key.privateKey);
      return { token, expiresAt };
    },
  };
}
