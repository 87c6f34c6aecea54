import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { clip } from '../../lib/telemetry/logger';

/**
 * Refuses a request whose document has no operation to run (an unknown `operationName`, or
 * several operations and no name) with 400 OPERATION_RESOLUTION_FAILURE before execution. Apollo
 * Server does this itself for a schema, but hands a gateway the request anyway, whose query
 * planner then throws: a 500. No options.
 */
export function useRequireOperation<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
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
