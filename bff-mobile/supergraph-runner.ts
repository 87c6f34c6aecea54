import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { ApolloGateway } from '@apollo/gateway';
import { Supergraph } from '@apollo/federation-internals';
import { ApolloServer } from '@apollo/server';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { GraphQLError, Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from 'graphql';
import type { BffContext } from '../bff/context';
import { maskError } from '../bff/error-masking';
import { logMaskedErrors } from '../lib/graphql/plugins';
import type { MobileContext } from './context';

/** The supergraph, in-process: where bff-mobile's resolvers run their operations (`MobileContext.run`). */
export interface SupergraphRunner {
  /** Runs `document` as `context`'s viewer; errors beside partial data go to `context.partialErrors`, at `path`. */
  run<TResult, TVariables>(context: MobileContext, document: TypedDocumentNode<TResult, TVariables>, variables: TVariables, path?: (string | number)[]): Promise<TResult>;
  stop(): Promise<void>;
}

/** The supergraph operations the resolvers run (their typed documents are generated from this file). */
export const SUPERGRAPH_OPERATIONS_FILE = path.join(__dirname, 'operations.graphql');

/**
 * `supergraphSdl` itself when every operation the resolvers run validates against its API, or an
 * error naming what no longer does: bff-mobile refuses a supergraph it could not serve with.
 */
export function runnableSupergraph(supergraphSdl: string): string {
  const api = Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
  const errors = validate(api, parse(readFileSync(SUPERGRAPH_OPERATIONS_FILE, 'utf8')));
  if (errors.length) throw new Error(`bff-mobile's supergraph operations do not validate against it:\n${errors.map((e) => `- ${e.message}`).join('\n')}`);
  return supergraphSdl;
}

/** The operation's name: generated documents hold one operation and the fragments it uses. */
function operationName(document: DocumentNode): string {
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  if (!operation?.name) throw new Error('bff-mobile runs named operations only');
  return operation.name.value;
}

/** An Apollo Server over `gateway` that no client reaches: its answers are what the resolvers map. */
export async function startSupergraphRunner(gateway: ApolloGateway): Promise<SupergraphRunner> {
  const supergraph = new ApolloServer<BffContext>({
    gateway,
    formatError: maskError,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    plugins: [logMaskedErrors<BffContext>()],
  });
  await supergraph.start();
  return {
    async run<TResult, TVariables>(context: MobileContext, query: TypedDocumentNode<TResult, TVariables>, variables: TVariables, path?: (string | number)[]) {
      const response = await supergraph.executeOperation(
        { query, operationName: operationName(query), variables: variables as Record<string, unknown> },
        { contextValue: context },
      );
      if (response.body.kind !== 'single') throw new Error('incremental delivery is not used by bff-mobile');
      const { data, errors } = response.body.singleResult;
      const rootValues = data ? Object.values(data) : [];
      // No usable data: the operation failed; its first error, code kept, is the answer.
      if (errors?.length && (rootValues.length === 0 || rootValues.every((v) => v === null))) {
        throw new GraphQLError(errors[0].message, { extensions: errors[0].extensions });
      }
      if (errors?.length) context.partialErrors.push(...errors.map(({ message, extensions }) => ({ message, ...(path && { path }), extensions })));
      return data as TResult;
    },
    stop: () => supergraph.stop(),
  };
}
