import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's Prometheus metrics, served at `/metrics` by every service (lib/http/server.ts).
 * Names follow OpenTelemetry's semantic conventions where one exists (`http.server.request.duration`
 * becomes `http_server_request_duration_seconds`); the others are this graph's own. One registry
 * per process: a service is one process, and a test that builds several services in one process
 * tells them apart by their `service` (or `db_client_connection_pool_name`) label.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Seconds; from a cached answer (about a millisecond) to a subgraph's timeout and beyond. */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The `/metrics` page, in Prometheus' text format. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

// ---- HTTP and GraphQL requests -------------------------------------------------------------

const httpDuration = new Histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP requests served, by method, route and status code.',
  labelNames: ['http_request_method', 'http_route', 'http_response_status_code'] as const,
  buckets: DURATION_BUCKETS,
  registers: [registry],
});

const HTTP_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']);

/**
 * Records one HTTP request. `route` must come from the service's own routes (never the raw path:
 * a client chooses that); any method outside the standard ones is `_OTHER`, as OpenTelemetry says.
 */
export function recordHttpRequest(method: string | undefined, route: string, status: number, seconds: number) {
  const m = method && HTTP_METHODS.has(method) ? method : '_OTHER';
  httpDuration.observe({ http_request_method: m, http_route: route, http_response_status_code: String(status) }, seconds);
}

const operationDuration = new Histogram({
  name: 'graphql_server_request_duration_seconds',
  help: 'Duration of GraphQL operations, by operation name, type and outcome (success, partial, error).',
  labelNames: ['graphql_operation_name', 'graphql_operation_type', 'outcome'] as const,
  buckets: DURATION_BUCKETS,
  registers: [registry],
});

/** Distinct operation names one process labels; past them, a name is `OTHER_OPERATION`. */
export const MAX_OPERATION_NAMES = 200;
/** The label of an operation without a name. */
export const ANONYMOUS_OPERATION = 'ANONYMOUS';
/** The label of a request that never became an operation (unparsable, invalid, refused). */
export const UNKNOWN_OPERATION = 'UNKNOWN';
/** The label of a named operation past MAX_OPERATION_NAMES. */
export const OTHER_OPERATION = 'OTHER';
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
const seenOperations = new Set<string>();

/**
 * The operation name as a label. Clients choose operation names, and every distinct label value is
 * a time series kept for as long as Prometheus keeps data: so the first MAX_OPERATION_NAMES names
 * a process sees are labelled as they are (the app's own operations come first in practice), any
 * later one is OTHER_OPERATION, and a name that is not a GraphQL name (too long, say) UNKNOWN_OPERATION.
 */
export function operationLabel(name: string | null | undefined, parsed: boolean): string {
  if (!parsed) return UNKNOWN_OPERATION;
  if (!name) return ANONYMOUS_OPERATION;
  if (!OPERATION_NAME.test(name)) return UNKNOWN_OPERATION;
  if (seenOperations.has(name)) return name;
  if (seenOperations.size >= MAX_OPERATION_NAMES) return OTHER_OPERATION;
  seenOperations.add(name);
  return name;
}

export type Outcome = 'success' | 'partial' | 'error';

export function recordOperation(name: string, type: string, outcome: Outcome, seconds: number) {
  operationDuration.observe({ graphql_operation_name: name, graphql_operation_type: type, outcome }, seconds);
}

// ---- Subgraph calls and circuit breakers (the BFFs) ----------------------------------------

const subgraphDuration = new Histogram({
  name: 'subgraph_request_duration_seconds',
  help: 'Duration of calls from this gateway to a subgraph, by subgraph and outcome (success, error).',
  labelNames: ['subgraph_name', 'outcome'] as const,
  buckets: DURATION_BUCKETS,
  registers: [registry],
});

const subgraphErrors = new Counter({
  name: 'subgraph_request_errors_total',
  help: 'Failed calls from this gateway to a subgraph, by subgraph and code (SUBGRAPH_UNAVAILABLE, SUBGRAPH_TIMEOUT).',
  labelNames: ['subgraph_name', 'code'] as const,
  registers: [registry],
});

/** Records one call to a subgraph; `failure` is the code a client saw, when it failed. */
export function recordSubgraphCall(subgraph: string, seconds: number, failure?: string) {
  subgraphDuration.observe({ subgraph_name: subgraph, outcome: failure ? 'error' : 'success' }, seconds);
  if (failure) subgraphErrors.inc({ subgraph_name: subgraph, code: failure });
}

export type BreakerState = 'closed' | 'open' | 'half-open';
const BREAKER_STATES: BreakerState[] = ['closed', 'open', 'half-open'];
const breakers = new Map<string, () => BreakerState>();

new Gauge({
  name: 'circuit_breaker_state',
  help: 'State of the circuit breaker in front of each subgraph: 1 for the state it is in, 0 for the others.',
  labelNames: ['subgraph_name', 'state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [subgraph, current] of breakers) {
      const now = current();
      for (const state of BREAKER_STATES) this.set({ subgraph_name: subgraph, state }, state === now ? 1 : 0);
    }
  },
});

/** Reports `current()`'s state of the breaker in front of `subgraph` at every scrape. */
export function observeBreaker(subgraph: string, current: () => BreakerState) {
  breakers.set(subgraph, current);
}

const cacheLookups = new Counter({
  name: 'graphql_response_cache_requests_total',
  help: 'Operations looked up in the response cache, by result (hit, miss).',
  labelNames: ['result'] as const,
  registers: [registry],
});

export function recordCacheLookup(hit: boolean) {
  cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
}

// ---- Databases (the subgraphs) -------------------------------------------------------------

/** What the metrics read of a subgraph's database: its statement count and its pg pool. */
export interface ObservedDatabase {
  counter: { statements: number };
  pool: { totalCount: number; idleCount: number; waitingCount: number; options: { max?: number } };
}
const databases = new Map<string, ObservedDatabase>();

new Counter({
  name: 'db_statements_total',
  help: "SQL statements sent to this service's database.",
  labelNames: ['service'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [service, database] of databases) this.inc({ service }, database.counter.statements);
  },
});

new Gauge({
  name: 'db_client_connection_count',
  help: 'Connections of the database pool, by state (used, idle).',
  labelNames: ['db_client_connection_pool_name', 'db_client_connection_state'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, { pool }] of databases) {
      this.set({ db_client_connection_pool_name: name, db_client_connection_state: 'used' }, pool.totalCount - pool.idleCount);
      this.set({ db_client_connection_pool_name: name, db_client_connection_state: 'idle' }, pool.idleCount);
    }
  },
});

new Gauge({
  name: 'db_client_connection_pending_requests',
  help: 'Requests waiting for a connection of the database pool.',
  labelNames: ['db_client_connection_pool_name'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, { pool }] of databases) this.set({ db_client_connection_pool_name: name }, pool.waitingCount);
  },
});

new Gauge({
  name: 'db_client_connection_max',
  help: 'Most connections the database pool opens.',
  labelNames: ['db_client_connection_pool_name'] as const,
  registers: [registry],
  collect() {
    this.reset();
    for (const [name, { pool }] of databases) this.set({ db_client_connection_pool_name: name }, pool.options.max ?? 10);
  },
});

/** Reports `database`'s statements and pool as `service`'s at every scrape. */
export function observeDatabase(service: string, database: ObservedDatabase) {
  databases.set(service, database);
}

// ---- Event consumers -----------------------------------------------------------------------

const consumerLag = new Gauge({
  name: 'messaging_consumer_lag_seconds',
  help: 'How far behind its source an event consumer is: seconds since it last had read everything there was.',
  labelNames: ['consumer', 'source'] as const,
  registers: [registry],
});

/**
 * How far `consumer` is behind `source` (a feed, topic or stream), in seconds. A consumer sets
 * it as it reads, and keeps setting it while it cannot read, so the lag grows through an outage.
 */
export function setConsumerLag(consumer: string, source: string, seconds: number) {
  consumerLag.set({ consumer, source }, seconds);
}
