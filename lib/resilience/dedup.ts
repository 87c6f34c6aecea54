import { Kind, parse, print, stripIgnoredCharacters, type DocumentNode, type OperationTypeNode } from 'graphql';
import { ASSERTION_HEADER } from '../identity/assertion';
import type { SubgraphAnswer, SubgraphFetcher, SubgraphRequest } from './fetch';

/** What a subgraph call's document is: its operation type, and its text with layout stripped. */
interface KnownDocument {
  operation: OperationTypeNode | undefined;
  text: string;
}

/** Documents the gateway sends (one per query-plan fetch), read once each; at most this many kept. */
const KNOWN_DOCUMENTS = 1_000;

/**
 * Reads each document text once: the gateway sends the same few documents (one per fetch of each
 * query plan, the same string each time) again and again, so after the first call this is a map
 * look-up. A document the gateway parsed already (`parsed`) is not parsed again.
 */
function documentReader() {
  const known = new Map<string, KnownDocument>();
  return (query: string, parsed?: DocumentNode): KnownDocument => {
    let document = known.get(query);
    if (document !== undefined) return document;
    try {
      const ast = parsed ?? parse(query, { noLocation: true });
      const operations = ast.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      document = { operation: operations.length === 1 ? operations[0].operation : undefined, text: stripIgnoredCharacters(print(ast)) };
    } catch {
      // Not ours to refuse: the subgraph answers it with its own error, and it is never shared or sent twice.
      document = { operation: undefined, text: query };
    }
    if (known.size >= KNOWN_DOCUMENTS) known.delete(known.keys().next().value!);
    known.set(query, document);
    return document;
  };
}

export interface GraphQLCall {
  query?: string;
  variables?: Record<string, unknown>;
  operationName?: string;
  extensions?: Record<string, unknown>;
}

/**
 * Builds subgraph requests: the JSON body, with the document's layout stripped (so two layouts of
 * one document are one request), and whether the call is a single query, which alone may be sent
 * again after a replica died mid-answer and shared with identical calls in flight. A mutation or
 * subscription, a document with several operations, or a persisted query's hash without its text
 * is not.
 */
export function subgraphRequests() {
  const read = documentReader();
  return (call: GraphQLCall, headers: Record<string, string>, parsed?: DocumentNode): SubgraphRequest => {
    if (typeof call.query !== 'string') return { headers, body: JSON.stringify(call), query: false };
    const document = read(call.query, parsed);
    const body = JSON.stringify({ query: document.text, variables: call.variables, operationName: call.operationName, extensions: call.extensions });
    return { headers, body, query: document.operation === 'query' };
  };
}

/**
 * Shares one subgraph call among identical queries in flight at the same moment: same subgraph,
 * same body (document, layout stripped by `subgraphRequests`, and variables), and the same caller
 * (the assertion is part of the key, so one viewer never gets another's answer). Under load many
 * clients ask the same page at once; the subgraph then answers it once. Only queries are shared
 * (`request.query`); a mutation never is. Callers can join until the whole answer has arrived.
 *
 * What is shared is the answer as read, its text: immutable, so nothing is copied whether or not
 * anyone joined, and each caller parses its own object from it (the gateway merges what it parses
 * into the response it builds, so two requests must never hold one object). A call nobody joins
 * costs a map entry. Our own code: the gateway's data source shares nothing, and the libraries
 * that share requests in flight (RESTDataSource's, for one) share GETs keyed on the URL, where a
 * subgraph call is a POST whose sameness is in its document, variables and caller.
 */
export function deduplicated(fetcher: SubgraphFetcher): SubgraphFetcher & { inFlight(): number } {
  const inFlight = new Map<string, Promise<SubgraphAnswer>>();
  const shared = async (url: string, request: SubgraphRequest): Promise<SubgraphAnswer> => {
    if (!request.query) return fetcher(url, request);
    const key = `${url}\n${request.headers[ASSERTION_HEADER] ?? ''}\n${request.body}`;
    const joined = inFlight.get(key);
    if (joined) return joined;
    const answer = fetcher(url, request);
    inFlight.set(key, answer);
    try {
      return await answer;
    } finally {
      inFlight.delete(key);
    }
  };
  return Object.assign(shared, { inFlight: () => inFlight.size });
}
