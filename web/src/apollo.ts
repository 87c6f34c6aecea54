import { ApolloClient, HttpLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';

/**
 * The app's GraphQL client: bff-web's /graphql on the same origin, with the session cookie
 * (the app never sees a token). Queries keep partial answers (`errorPolicy: 'all'`, see PARTIAL):
 * when media is down a page still shows its posts, and says what is missing.
 */
export const client = new ApolloClient({
  link: new HttpLink({ uri: '/graphql', credentials: 'same-origin' }),
  cache: new InMemoryCache({
    typePolicies: {
      Query: {
        fields: {
          // The feed is one growing list: each page is appended to the ones before.
          posts: {
            keyArgs: ['authorId', 'status'],
            merge(existing: { nodes: unknown[] } | undefined, incoming: { nodes: unknown[] }, { args }) {
              if (!existing || !args?.after) return incoming;
              return { ...incoming, nodes: [...existing.nodes, ...incoming.nodes] };
            },
          },
        },
      },
    },
  }),
});

interface ErrorShape {
  message: string;
  extensions?: { code?: string; serviceName?: string; field?: string };
}

/** The GraphQL errors in an Apollo error, if that is what it is. */
export function graphQLErrors(error: unknown): ErrorShape[] {
  return CombinedGraphQLErrors.is(error) ? (error.errors as ErrorShape[]) : [];
}

/** True when part of an answer is missing because a service (by default media) could not answer. */
export function serviceDown(error: unknown, service = 'media'): boolean {
  return graphQLErrors(error).some((e) => e.extensions?.serviceName === service);
}

/** What to tell a person about an error: the server's own words for their mistakes, plain words otherwise. */
export function inWords(error: unknown): string {
  const [first] = graphQLErrors(error);
  const code = first?.extensions?.code;
  if (first && ['BAD_USER_INPUT', 'FORBIDDEN', 'NOT_FOUND', 'UNAUTHENTICATED', 'TOO_MANY_UPLOADS'].includes(code ?? '')) {
    return first.message.replace(/^input\./, '');
  }
  if (code === 'SUBGRAPH_UNAVAILABLE' || code === 'SUBGRAPH_TIMEOUT' || code === 'DATABASE_UNAVAILABLE') {
    return 'Part of the service is not answering right now. Please try again in a moment.';
  }
  if (error instanceof TypeError) return 'The server cannot be reached. Check your connection and try again.';
  return 'Something went wrong on our side. Please try again.';
}

/** Query options of every page: keep the data that came, beside the errors about what did not. */
export const PARTIAL = { errorPolicy: 'all' } as const;
