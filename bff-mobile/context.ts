import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import type { GraphQLFormattedError } from 'graphql';
import type { BffContext } from '../bff/context';
import type { HttpError } from '../lib/http/server';

/** What bff-mobile's resolvers get: the BFF context, and a way to run supergraph operations. */
export interface MobileContext extends BffContext {
  /**
   * Runs one operation of operations.graphql (its generated typed document) on the supergraph,
   * in-process, as this viewer. Errors beside partial data are reported at `path`, the mobile
   * field that asked.
   */
  run<TResult, TVariables>(document: TypedDocumentNode<TResult, TVariables>, variables: TVariables, path?: (string | number)[]): Promise<TResult>;
  /** Errors beside partial data (a subgraph down): reported to the client with the data. */
  partialErrors: GraphQLFormattedError[];
  /** Why the bearer token was refused (expired, revoked, invalid), if it was. */
  refusedToken?: HttpError;
}
