import { GraphQLError } from 'graphql';
import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CircuitBreaker, subgraphError, SubgraphCallError, type ResilienceSettings } from '../lib/resilience/breaker';
import { deduplicated, subgraphRequests } from '../lib/resilience/dedup';
import { resilientFetch, type SubgraphAnswer } from '../lib/resilience/fetch';
import { ASSERTION_HEADER, CLIENT_ADDRESS_HEADER, type Viewer } from '../lib/identity/assertion';
import { readSessionHeaders } from '../lib/identity/session-handshake';
import type { Logger } from '../lib/telemetry/logger';
import { recordSubgraphCall } from '../lib/telemetry/metrics';
import type { BffContext } from './context';
import { entityBatches, type CallResult } from './entity-batches';

type GatewayGraphQLResponse = Awaited<ReturnType<GraphQLDataSource['process']>>;

interface Pending {
  options: GraphQLDataSourceProcessOptions<BffContext>;
  /** Sent alone, after its merged call's answer had no data at all. */
  alone?: boolean;
  resolve(response: GatewayGraphQLResponse): void;
  reject(error: unknown): void;
}

export interface BffDataSourceOptions {
  /** The subgraph's name in the supergraph. */
  subgraph: string;
  url: string;
  /** Signs a gateway assertion for the request's viewer (null: anonymous). */
  sign: (viewer: Viewer | null) => Promise<string>;
  /** Timeout and breaker of calls to this subgraph (lib/resilience). */
  resilience: ResilienceSettings;
  logger: Logger;
}

/** A response header's one value (Node joins repeated ones, and an array only for set-cookie). */
const headerOf = (answer: SubgraphAnswer, name: string): string | undefined => {
  const value = answer.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** The cache hint a subgraph's Cache-Control header gives (what @apollo/gateway's own data source reads). */
function cacheHint(header: string | undefined): { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } {
  const hint: { maxAge: number; scope?: 'PUBLIC' | 'PRIVATE' } = { maxAge: 0 };
  if (!header) return hint;
  for (const directive of header.split(',')) {
    const [name, value] = directive.trim().toLowerCase().split('=');
    if (name === 'max-age' && /^[0-9]+$/.test(value ?? '')) hint.maxAge = Number(value);
    else if (name === 'private') hint.scope = 'PRIVATE';
    else if (name === 'public') hint.scope = 'PUBLIC';
  }
  return hint;
}

/**
 * A subgraph data source that signs each request with a gateway assertion for the verified
 * viewer, forwards the request id, calls through a circuit breaker and a timeout, maps any
 * failure to SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT, shares identical queries in flight
 * (lib/resilience/dedup.ts), and picks up session changes reported by users
 * (lib/identity/session-handshake.ts).
 *
 * Its own GraphQLDataSource rather than a RemoteGraphQLDataSource subclass: that one builds a
 * node-fetch Request it only keeps for error hooks, a Headers object and a plain copy of it, and
 * reads the answer through node-fetch's stream piping, per subgraph call; profiled under varied
 * load, that was more of bff-web's CPU than our own code. What it did that a BFF needs is here:
 * the subgraph's Cache-Control becomes a hint on the response's cache policy, a non-2xx answer is
 * an error, and the parsed answer is handed to the gateway.
 */
export class BffDataSource implements GraphQLDataSource<BffContext> {
  private readonly breaker: CircuitBreaker;
  private readonly subgraph: string;
  private readonly url: string;
  private readonly sign: BffDataSourceOptions['sign'];
  private readonly logger: Logger;
  private readonly fetch: ReturnType<typeof deduplicated>;
  private readonly requests = subgraphRequests();
  private readonly batches = entityBatches();
  /** Entity fetches waiting to be sent together, by request context. */
  private readonly pending = new WeakMap<object, Pending[]>();

  constructor({ subgraph, url, sign, resilience, logger }: BffDataSourceOptions) {
    this.fetch = deduplicated(resilientFetch(resilience));
    this.breaker = new CircuitBreaker(subgraph, resilience, logger);
    this.subgraph = subgraph;
    this.url = url;
    this.sign = sign;
    this.logger = logger;
  }

  /**
   * Each call (fetch and parse) runs through the breaker. A failed call becomes
   * SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT for the client, the reason going to the log, and
   * its error names where in the response its data was needed (`path`). Each call is observed in
   * `subgraph_request_duration_seconds`, a failed one in `subgraph_request_errors_total` too.
   * Entity fetches of one request that reach this subgraph at the same moment are one call
   * (./entity-batches.ts).
   */
  async process(options: GraphQLDataSourceProcessOptions<BffContext>): Promise<GatewayGraphQLResponse> {
    try {
      const context = 'incomingRequestContext' in options ? options.context : undefined;
      if (context && this.batches.batchable(options.request)) return await this.batched(context, options);
      return await this.guarded(options);
    } catch (error) {
      // The gateway writes "each item of this list" as @; a GraphQL path has field names and indexes only.
      const path = 'pathInIncomingRequest' in options ? options.pathInIncomingRequest?.filter((segment) => segment !== '@') : undefined;
      if (error instanceof GraphQLError && path) throw new GraphQLError(error.message, { path, extensions: error.extensions });
      throw error;
    }
  }

  /**
   * Waits for the other entity fetches of the same request to this subgraph that the plan starts
   * at the same moment: the branches of a Parallel node all reach here within one run of the
   * microtask queue, and the batch is sent once that has drained (process.nextTick: no timer, no
   * turn of the event loop lost).
   */
  private batched(context: object, options: GraphQLDataSourceProcessOptions<BffContext>): Promise<GatewayGraphQLResponse> {
    return new Promise((resolve, reject) => {
      let pending = this.pending.get(context);
      if (!pending) {
        this.pending.set(context, (pending = []));
        process.nextTick(() => {
          this.pending.delete(context);
          this.flush(pending!);
        });
      }
      pending.push({ options, resolve, reject });
    });
  }

  /** Sends the batch; never throws (each fetch's promise settles, whatever happens here). */
  private flush(pending: Pending[]) {
    let merged: ReturnType<ReturnType<typeof entityBatches>['merge']> = null;
    try {
      if (pending.length > 1 && !pending[0].alone) merged = this.batches.merge(pending.map((p) => p.options.request));
    } catch (error) {
      this.logger.warn({ subgraph: this.subgraph, err: error }, 'entity fetches not merged');
    }
    if (!merged) {
      for (const { options, resolve, reject } of pending) this.guarded(options).then(resolve, reject);
      return;
    }
    const [first] = pending;
    // Its own document: not the first fetch's (`document`), which the gateway may have handed over parsed.
    this.guarded({ ...first.options, document: undefined, request: { ...merged.call, http: first.options.request.http } } as GraphQLDataSourceProcessOptions<BffContext>).then(
      (result) => {
        // A field error that nulls a whole `_entities` nulls all of the merged answer: then each
        // fetch is sent alone, so that one fetch's failure never costs another its data.
        if (!(result as CallResult).data) return this.flush(pending.map((p) => ({ ...p, alone: true })));
        merged!.split(result as CallResult).forEach((own, i) => pending[i].resolve(own as GatewayGraphQLResponse));
      },
      (error) => pending.forEach(({ reject }) => reject(error)),
    ).catch((error) => pending.forEach(({ reject }) => reject(error)));
  }

  /** One call through the breaker, observed; a failed call's reason goes to the log. */
  private async guarded(options: GraphQLDataSourceProcessOptions<BffContext>): Promise<GatewayGraphQLResponse> {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const response = await this.breaker.call(() => this.call(options));
      recordSubgraphCall(this.subgraph, seconds());
      return response;
    } catch (error) {
      const code = error instanceof SubgraphCallError ? error.code : (error as GraphQLError).extensions?.code;
      recordSubgraphCall(this.subgraph, seconds(), typeof code === 'string' ? code : 'SUBGRAPH_UNAVAILABLE');
      if (!(error instanceof SubgraphCallError)) throw error;
      options.context?.log?.warn({ subgraph: this.subgraph, code: error.code, reason: error.message }, 'subgraph call failed');
      throw subgraphError(this.subgraph, error.code);
    }
  }

  /** One call: sign, send (shared with identical queries in flight), check and parse the answer. */
  private async call(options: GraphQLDataSourceProcessOptions<BffContext>): Promise<GatewayGraphQLResponse> {
    const { request } = options;
    const context = options.context as Partial<BffContext> | undefined;
    if (!request.query) throw new Error('Missing query');
    // The gateway's own headers first (its trace request), ours after: none of them can replace the assertion.
    const headers: Record<string, string> = {};
    if (request.http?.headers) for (const [name, value] of request.http.headers) headers[name.toLowerCase()] = value;
    headers['content-type'] = 'application/json';
    headers[ASSERTION_HEADER] = await this.sign(context?.viewer ?? null);
    if (context?.requestId) headers['x-request-id'] = context.requestId;
    // users limits sign-in attempts per account and favours the addresses an account signed in from.
    if (this.subgraph === 'users' && context?.clientAddress) headers[CLIENT_ADDRESS_HEADER] = context.clientAddress;
    const incoming = 'incomingRequestContext' in options ? options : undefined;
    const answer = await this.fetch(this.url, this.requests(request, headers, incoming?.document));

    // Any other answer than 2xx (5xx never gets here: it is a failed call) is an error the
    // breaker does not count: the subgraph answered.
    if (answer.status < 200 || answer.status >= 300) {
      context?.log?.warn({ subgraph: this.subgraph, code: 'SUBGRAPH_UNAVAILABLE', reason: `HTTP ${answer.status}` }, 'subgraph call failed');
      throw subgraphError(this.subgraph, 'SUBGRAPH_UNAVAILABLE');
    }
    let body: GatewayGraphQLResponse;
    try {
      body = JSON.parse(answer.text);
    } catch (error) {
      throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `invalid JSON: ${(error as Error).message}`);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', 'invalid JSON: not a JSON object');

    if (this.subgraph === 'users' && context?.session) Object.assign(context.session, readSessionHeaders({ get: (name) => headerOf(answer, name) }));
    // The subgraph's Cache-Control header is its hint for the whole response, as the gateway's own data source reads it.
    const policy = incoming?.incomingRequestContext.overallCachePolicy;
    if (policy && 'restrict' in policy) policy.restrict(cacheHint(headerOf(answer, 'cache-control')));
    return body;
  }
}
