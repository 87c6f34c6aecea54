import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from '../context';

/**
 * Lets a BFF act on the session users reported during the request (`context.session`), just
 * before the response is sent: set or clear cookies (web).
 */
export function useSessionReport<TContext extends BffContext>(
  act: (context: TContext, headers: Map<string, string>) => void | Promise<void>,
): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          await act(contextValue, response.http.headers as unknown as Map<string, string>);
        },
      };
    },
  };
}
