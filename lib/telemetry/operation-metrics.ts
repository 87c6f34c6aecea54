import type { ApolloServerPlugin, BaseContext, GraphQLResponse } from '@apollo/server';
import { operationLabel, recordOperation, type Outcome } from './metrics';

function outcomeOf(body: GraphQLResponse['body']): Outcome {
  const result = body.kind === 'single' ? body.singleResult : body.initialResult;
  if (!result.errors?.length) return 'success';
  return result.data ? 'partial' : 'error';
}

/**
 * Observes every operation in `graphql_server_request_duration_seconds`, from the moment Apollo
 * has the request to the moment it sends the answer, by operation name (bounded: see
 * operationLabel), type and outcome. An answer with data and errors is `partial`, one with errors
 * and no data (a refused or invalid request included) is `error`.
 */
export function useOperationMetrics<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      const started = performance.now();
      return {
        async willSendResponse({ operation, operationName, response }) {
          const name = operationLabel(operationName, operation !== undefined);
          recordOperation(name, operation?.operation ?? 'unknown', outcomeOf(response.body), (performance.now() - started) / 1000);
        },
      };
    },
  };
}
