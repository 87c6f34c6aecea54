import { GraphQLError } from 'graphql';
import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { CircuitBreaker, subgraphError, SubgraphCallError, type ResilienceSettings } from '../lib/resilience/breaker';
import { deduplicated, queryCalls } from '../lib/resilience/dedup';
import { isTimeout, resilientFetch } from '../lib/resilience/fetch';
import { ASSERTION_HEADER, CLIENT_ADDRESS_HEADER, type Viewer } from '../lib/identity/assertion';
import { readSessionHeaders } from '../lib/identity/session-handshake';
import type { Logger } from '../lib/telemetry/logger';
import { recordSubgraphCall } from '../lib/telemetry/metrics';
import type { BffContext } from './context';

type Fetcher = NonNullable<ConstructorParameters<typeof RemoteGraphQLDataSource>[0]>['fetcher'];

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

/**
 * A subgraph data source that signs each request with a gateway assertion for the verified
 * viewer, forwards the request id, calls through a circuit breaker and a timeout, maps any
 * failure to SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT, and picks up session changes reported by
 * users (lib/identity/session-handshake.ts).
 */
export class BffDataSource extends RemoteGraphQLDataSource<BffContext> {
  private readonly breaker: CircuitBreaker;
  private readonly subgraph: string;
  private readonly sign: BffDataSourceOptions['sign'];

  constructor({ subgraph, url, sign, resilience, logger }: BffDataSourceOptions) {
    // A query whose subgraph replica died mid-answer is sent once more (lib/resilience/fetch.ts).
    super({ url, fetcher: deduplicated(resilientFetch(resilience, { safe: queryCalls() })) as unknown as Fetcher });
    this.breaker = new CircuitBreaker(subgraph, resilience, logger);
    this.subgraph = subgraph;
    this.sign = sign;
  }

  /** A body that is not JSON, or not complete in time, is a failed call. */
  async parseBody(...args: Parameters<RemoteGraphQLDataSource<BffContext>['parseBody']>) {
    try {
      const body = await super.parseBody(...args);
      if (typeof body !== 'object' || body === null) throw new Error('not a JSON object');
      return body;
    } catch (error) {
      if (isTimeout(error)) throw new SubgraphCallError('SUBGRAPH_TIMEOUT', `body not complete in time: ${(error as Error).message}`);
      throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `invalid JSON: ${(error as Error).message}`);
    }
  }

  /** A failed call is left to `process`, where the breaker counts it; anything else is SUBGRAPH_UNAVAILABLE. */
  didEncounterError(error: Error, _request: unknown, _response: unknown, context?: BffContext): never {
    if (error instanceof SubgraphCallError) throw error;
    context?.log?.warn({ subgraph: this.subgraph, code: 'SUBGRAPH_UNAVAILABLE', reason: error.message }, 'subgraph call failed');
    throw subgraphError(this.subgraph, 'SUBGRAPH_UNAVAILABLE');
  }

  /**
   * The whole call (fetch and parse) runs through the breaker. A failed call becomes
   * SUBGRAPH_UNAVAILABLE or SUBGRAPH_TIMEOUT for the client, the reason going to the log, and
   * its error names where in the response its data was needed (`path`). Each call is observed in
   * `subgraph_request_duration_seconds`, a failed one in `subgraph_request_errors_total` too.
   */
  async process(options: GraphQLDataSourceProcessOptions<BffContext>) {
    const started = performance.now();
    const seconds = () => (performance.now() - started) / 1000;
    try {
      const response = await this.breaker.call(() => super.process(options));
      recordSubgraphCall(this.subgraph, seconds());
      return response;
    } catch (failure) {
      let error = failure;
      const code = error instanceof SubgraphCallError ? error.code : (error as GraphQLError).extensions?.code;
      recordSubgraphCall(this.subgraph, seconds(), typeof code === 'string' ? code : 'SUBGRAPH_UNAVAILABLE');
      if (error instanceof SubgraphCallError) {
        options.context?.log?.warn({ subgraph: this.subgraph, code: error.code, reason: error.message }, 'subgraph call failed');
        error = subgraphError(this.subgraph, error.code);
      }
      // The gateway writes "each item of this list" as @; a GraphQL path has field names and indexes only.
      const path = 'pathInIncomingRequest' in options ? options.pathInIncomingRequest?.filter((segment) => segment !== '@') : undefined;
      if (error instanceof GraphQLError && path) throw new GraphQLError(error.message, { path, extensions: error.extensions });
      throw error;
    }
  }

  async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<BffContext>) {
    const headers = request.http!.headers;
    headers.set(ASSERTION_HEADER, await this.sign(context?.viewer ?? null));
    if (context?.requestId) headers.set('x-request-id', context.requestId);
    // users limits sign-in attempts per account and favours the addresses an account signed in from.
    if (this.subgraph === 'users' && context?.clientAddress) headers.set(CLIENT_ADDRESS_HEADER, context.clientAddress);
  }

  didReceiveResponse({ response, context }: Parameters<NonNullable<RemoteGraphQLDataSource<BffContext>['didReceiveResponse']>>[0]) {
    if (this.subgraph === 'users' && context?.session) Object.assign(context.session, readSessionHeaders(response.http?.headers));
    return response;
  }
}
