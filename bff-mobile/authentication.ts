import type { IncomingMessage } from 'node:http';
import type { BffContext } from '../bff/context';
import { clientAddress } from '../bff/rate-limits';
import { bearerToken, type VerifyToken } from '../bff/token-verifier';
import { HttpError } from '../lib/http/server';
import type { Viewer } from '../lib/identity/assertion';

/** Who sent a /graphql request, as bff-mobile's context is built from it. */
export interface MobileAuth {
  viewer: BffContext['viewer'];
  clientAddress: string;
  /** The bearer token was invalid, expired or revoked: refused once the operation is known (useRefusedTokens). */
  refusedToken?: HttpError;
}

/** bff-mobile's clients send `Authorization: Bearer <access token>`; none is anonymous. */
export function bearerAuthentication(verify: VerifyToken, trustProxy: boolean) {
  return {
    /** For /graphql: an invalid token is refused only once the operation is known: a session operation may still run with it. */
    async authenticate(req: IncomingMessage): Promise<MobileAuth> {
      const token = bearerToken(req);
      const address = clientAddress(req, trustProxy);
      if (!token) return { viewer: null, clientAddress: address };
      try {
        return { viewer: await verify(token), clientAddress: address };
      } catch (error) {
        // Decided by useRefusedTokens; keys unavailable stays a 503.
        if (!(error instanceof HttpError) || error.status !== 401) throw error;
        return { viewer: null, clientAddress: address, refusedToken: error };
      }
    },
    /** The bearer token's viewer for the file routes; an invalid token is 401. */
    async fileViewer(req: IncomingMessage): Promise<Viewer | null> {
      const token = bearerToken(req);
      return token ? verify(token) : null;
    },
  };
}
