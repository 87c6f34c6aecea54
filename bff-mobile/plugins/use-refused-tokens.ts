import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { BffContext } from '../../bff/context';
import { rootFieldNames } from '../../bff/rate-limits';
import type { MobileContext } from '../context';

/** What a client whose access token was refused may still do: get a new one, or end it. */
const SESSION_FIELDS = new Set(['signIn', 'signUp', 'refreshSession', 'signOut', '__typename']);

/**
 * A refused bearer token (`context.refusedToken`) is 401 UNAUTHENTICATED, except for the
 * operations that replace it: an app whose token expired or was revoked (a new role) refreshes
 * with the token it still sends. No options.
 */
export function useRefusedTokens(): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          const refused = (contextValue as MobileContext).refusedToken;
          if (!refused || !operation) return;
          if ([...rootFieldNames(document, operation)].every((name) => SESSION_FIELDS.has(name))) return;
          throw new GraphQLError(refused.message, { extensions: { code: refused.code, http: { status: refused.status, headers: new Map() } } });
        },
      };
    },
  };
}
