import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError } from 'graphql';
import { PUBLIC_CODES, requestFaultCode } from './errors';
import { clip, type Logger } from '../telemetry/logger';

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

/**
 * Refuses a request whose document has no operation to run (an unknown `operationName`, or
 * several operations and no name) with 400 OPERATION_RESOLUTION_FAILURE before execution. Apollo
 * Server does this itself for a schema, but hands a gateway the request anyway, whose query
 * planner then throws: a 500.
 */
export function requireOperation<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, request }) {
          if (operation) return;
          const name = request.operationName;
          throw new GraphQLError(
            name ? `Unknown operation named "${clip(name, 100)}".` : 'Must provide operation name if query contains multiple operations.',
            { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } },
          );
        },
      };
    },
  };
}
