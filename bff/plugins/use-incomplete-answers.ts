import type { ApolloServerPlugin } from '@apollo/server';
import type { BffContext } from '../context';

const incomplete = new WeakSet<object>();

/** True when the answer to this request had values the gateway could not complete (see below). */
export function answeredIncomplete(context: object): boolean {
  return incomplete.has(context);
}

/**
 * When a subgraph returns null for a non-null field (a post whose author users no longer has,
 * say), @apollo/gateway nulls the nearest nullable parent and reports it in
 * `extensions.valueCompletion`, with messages and codes (`INVALID_GRAPHQL`) that bypass error
 * masking. This takes that extension out of the answer, logs it for the operator, and makes the
 * answer `no-store` and never cached: it is a partial answer, like one with errors. Register it
 * before useResponseCaching and pass `cacheable: (context) => !answeredIncomplete(context)`.
 * No options.
 */
export function useIncompleteAnswers<TContext extends BffContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const extensions = response.body.singleResult.extensions as Record<string, unknown> | undefined;
          const completion = extensions?.valueCompletion;
          if (!extensions || completion === undefined) return;
          delete extensions.valueCompletion;
          if (Object.keys(extensions).length === 0) delete response.body.singleResult.extensions;
          incomplete.add(contextValue);
          response.http.headers.set('cache-control', 'no-store');
          const paths = Array.isArray(completion) ? completion.map((entry) => (entry as { path?: unknown }).path) : [];
          contextValue.log.warn({ paths: paths.slice(0, 10), count: paths.length }, 'answer had values the gateway could not complete (nulled)');
        },
      };
    },
  };
}
