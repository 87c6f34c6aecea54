import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from '../../bff/context';
import type { MobileContext } from '../context';

/** Adds the partial-data errors of supergraph operations (`context.partialErrors`) to the mobile response. No options. */
export function usePartialErrors(): ApolloServerPlugin<BffContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const errors = (contextValue as MobileContext).partialErrors;
          if (errors?.length && response.body.kind === 'single') {
            response.body.singleResult.errors = [...(response.body.singleResult.errors ?? []), ...errors];
          }
        },
      };
    },
  };
}
