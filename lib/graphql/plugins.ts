import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { PUBLIC_CODES, requestFaultCode } from './errors';
import type { Logger } from '../telemetry/logger';

/**
 * Logs, in full and with the request id, every error a client will only see masked (any code
 * outside PUBLIC_CODES). A client's mistake is not logged: a public code, or a refusal of the
 * request itself (see requestFaultCode). Subgraphs and BFFs use it alike.
 */
export function logMaskedErrors<TContext extends BaseContext & { log?: Logger }>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) {
            const code = error.extensions?.code as string | undefined;
            if ((!code || !PUBLIC_CODES.has(code)) && !requestFaultCode(error)) {
              contextValue.log?.error({ err: unwrapResolverError(error), path: error.path, extensions: error.extensions }, 'masked error');
            }
          }
        },
      };
    },
  };
}
