import { Kind, parse, print, type OperationTypeNode } from 'graphql';
import { Response as NodeResponse } from 'node-fetch';
import { ASSERTION_HEADER } from '../identity/assertion';
import type { Fetcher } from './fetch';

type FetchResponse = Awaited<ReturnType<Fetcher>>;

/** What a subgraph call's document is: its operation type and a key that ignores layout. */
interface ParsedDocument {
  operation: OperationTypeNode | undefined;
  key: string;
}

/** Documents the gateway sends (one per query-plan fetch), parsed once each; at most this many kept. */
const PARSED_DOCUMENTS = 1_000;

/**
 * Parses each document text once: the gateway sends the same few documents (one per fetch of
 * each query plan) again and again, so after the first call this is a map look-up.
 */
function documentParser() {
  const parsed = new Map<string, ParsedDocument | null>();
  return (query: string): ParsedDocument | null => {
    let known = parsed.get(query);
    if (known !== undefined) return known;
    try {
      const document = parse(query, { noLocation: true });
      const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
      known = { operation: operations.length === 1 ? operations[0].operation : undefined, key: print(document) };
    } catch {
      known = null;
    }
    if (parsed.size >= PARSED_DOCUMENTS) parsed.delete(parsed.keys().next().value!);
    parsed.set(query, known);
    return known;
  };
}

/** A response as it was read, to hand each caller a response of its own. */
interface Copy {
  status: number;
  headers: [string, string][];
  body: string;
}

interface InFlight {
  /** Callers that joined the first one. */
  followers: number;
  /** The first caller's response, read once it knows others joined. */
  copy: Promise<Copy>;
}

/**
 * Shares one subgraph call among identical queries in flight at the same moment: same subgraph,
 * same document (as parsed: layout aside) and variables, and the same caller (the assertion is
 * part of the key, so one viewer never gets another's answer). Under load many clients ask the
 * same page at once; the subgraph then answers it once. Only queries are shared, as the parsed
 * document says (a mutation or subscription, or a document with several operations, never is).
 * Callers can join until the answer's headers arrive. When nobody joined, the first caller gets
 * the response as it came, unread; otherwise it is read once and each caller gets its own copy.
 * Our own code: the gateway's data source shares nothing, and the libraries that share requests
 * in flight (RESTDataSource's, for one) share GETs keyed on the URL, where a subgraph call is a
 * POST whose sameness is in its document, variables and caller.
 */
export function deduplicated(fetcher: Fetcher): Fetcher {
  const parsed = documentParser();
  const inFlight = new Map<string, InFlight>();
  return async (url, init) => {
    const key = shareKey(url, init);
    if (key === undefined) return fetcher(url, init);
    const joined = inFlight.get(key);
    if (joined) {
      joined.followers += 1;
      return copyOf(await joined.copy);
    }
    let settle!: { resolve(copy: Copy): void; reject(error: unknown): void };
    const shared: InFlight = { followers: 0, copy: new Promise<Copy>((resolve, reject) => (settle = { resolve, reject })) };
    shared.copy.catch(() => undefined); // awaited only by followers, if any
    inFlight.set(key, shared);
    let response: FetchResponse;
    try {
      response = await fetcher(url, init);
    } catch (error) {
      settle.reject(error);
      throw error;
    } finally {
      inFlight.delete(key);
    }
    if (shared.followers === 0) return response;
    try {
      const copy = { status: response.status, headers: [...response.headers.entries()], body: await response.text() };
      settle.resolve(copy);
      return copyOf(copy);
    } catch (error) {
      settle.reject(error);
      throw error;
    }
  };

  /** The call's sharing key, or undefined for a call that must not be shared. */
  function shareKey(url: string, init: Parameters<Fetcher>[1]): string | undefined {
    const query = queryOf(parsed, init);
    if (!query) return undefined;
    const { request, document } = query;
    const headers = init.headers as { get?(name: string): string | null } | Record<string, string> | undefined;
    const assertion = typeof headers?.get === 'function' ? headers.get(ASSERTION_HEADER) : (headers as Record<string, string> | undefined)?.[ASSERTION_HEADER];
    const rest = JSON.stringify([request.operationName ?? null, request.variables ?? null, request.extensions ?? null]);
    return `${url}\n${assertion ?? ''}\n${document.key}\n${rest}`;
  }
}

interface GraphQLRequestBody {
  query?: unknown;
  variables?: unknown;
  operationName?: unknown;
  extensions?: unknown;
}

/** The call's body and parsed document when it is a single query, else undefined. */
function queryOf(parsed: ReturnType<typeof documentParser>, init: Parameters<Fetcher>[1]): { request: GraphQLRequestBody; document: ParsedDocument } | undefined {
  if (typeof init.body !== 'string') return undefined;
  let request: GraphQLRequestBody;
  try {
    request = JSON.parse(init.body);
  } catch {
    return undefined;
  }
  if (typeof request?.query !== 'string') return undefined;
  const document = parsed(request.query);
  return document?.operation === 'query' ? { request, document } : undefined;
}

/** Tells a subgraph call that is a single query (safe to send again: it changes nothing) from any other. */
export function queryCalls(): (init: Parameters<Fetcher>[1]) => boolean {
  const parsed = documentParser();
  return (init) => queryOf(parsed, init) !== undefined;
}

function copyOf({ status, headers, body }: Copy): FetchResponse {
  return new NodeResponse(body, { status, headers }) as unknown as FetchResponse;
}
