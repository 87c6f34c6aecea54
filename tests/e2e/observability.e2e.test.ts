import { randomBytes } from 'node:crypto';
import type { SubgraphName } from '../../lib/config/env';
import { seedAll } from '../../tooling/seed';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver';
import { startPrometheus, type Prometheus } from '../support/prometheus';
import { graphql, startStack, type Stack } from '../support/stack';

/**
 * Observability on real processes: a real Prometheus scrapes all five services, and an OTLP
 * receiver gets the spans of every service (OTEL_EXPORTER_OTLP_PROTOCOL=http/json). The tests
 * run in order: the last one stops media.
 */
let stack: Stack;
let otlp: OtlpReceiver;
let prometheus: Prometheus;
const SERVICES = ['bff-web', 'bff-mobile', 'users', 'posts', 'media'] as const;

beforeAll(async () => {
  otlp = await startOtlpReceiver();
  const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
  stack = await startStack({
    // The breaker opens at the second failure and stays open for the rest of the suite.
    bffEnv: { ...tracing, RESPONSE_CACHE: 'true', BREAKER_FAILURE_THRESHOLD: '2', BREAKER_RESET_MS: '600000' },
    subgraphEnv: { ...tracing, EVENTS_POLL_MS: '500' },
    // Loading the OpenTelemetry SDK adds 0.2-3 s to each start; a machine busy with other suites adds more.
    startTimeoutMs: 120_000,
  });
  await seedAll(stack.databases.urls, { users: 3, postsPerUser: 3, mediaPerPost: 1 });
  const services = { ...stack.bffs, ...stack.subgraphs };
  prometheus = await startPrometheus(Object.fromEntries(SERVICES.map((name) => [name, `127.0.0.1:${services[name].port}`])));
}, 300_000);
afterAll(async () => {
  await prometheus?.stop();
  await stack?.stop();
  await otlp?.stop();
});

/** A W3C traceparent with a new trace id, as a client that starts the trace sends it. */
function clientTrace() {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, headers: { traceparent: `00-${traceId}-${parentId}-01`, 'cache-control': 'no-cache' } };
}

const isSql = (span: ReceivedSpan) => span.attributes['db.system'] === 'postgresql' || span.attributes['db.system.name'] === 'postgresql';

describe('metrics', () => {
  it('a real Prometheus scrapes all five services and answers bff-web request rate by operation', async () => {
    const up = await prometheus.waitFor('up == 1', (result) => result.length === SERVICES.length);
    expect(up.map((r) => r.metric.job).sort()).toEqual([...SERVICES].sort());

    // Requests go on until Prometheus has scraped enough of them for a rate (bounded: 60 at most).
    let rates: Awaited<ReturnType<Prometheus['query']>> = [];
    for (let i = 0; i < 60 && !rates.some((r) => r.metric.graphql_operation_name === 'FrontPage' && Number(r.value[1]) > 0); i++) {
      const { body } = await graphql(stack.web, 'query FrontPage { posts(first: 2) { nodes { title } } }', {});
      expect(body.errors).toBeUndefined();
      await graphql(stack.web, '{ posts(first: 1) { nodes { id } } }', {});
      rates = await prometheus.query('sum by (graphql_operation_name, outcome) (rate(graphql_server_request_duration_seconds_count{job="bff-web"}[30s]))');
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const byName = Object.fromEntries(rates.map((r) => [r.metric.graphql_operation_name, r]));
    expect(Number(byName.FrontPage.value[1])).toBeGreaterThan(0);
    expect(byName.FrontPage.metric.outcome).toBe('success');
    // An operation without a name has a fixed label.
    expect(await (await fetch(`${stack.web}/metrics`)).text()).toMatch(/^graphql_server_request_duration_seconds_count\{graphql_operation_name="ANONYMOUS",graphql_operation_type="query",outcome="success"\} [1-9]/m);

    // Each service's own metrics, through the same Prometheus.
    const has = async (promql: string) => (await prometheus.query(promql)).length > 0;
    for (const job of SERVICES) expect(await has(`process_cpu_seconds_total{job="${job}"}`)).toBe(true);
    for (const job of ['users', 'posts', 'media']) {
      expect(await has(`db_client_connection_count{job="${job}",db_client_connection_state="idle"}`)).toBe(true);
      expect(await has(`db_statements_total{job="${job}"} > 0`)).toBe(true);
    }
    expect(await has('subgraph_request_duration_seconds_count{job="bff-web",subgraph_name="posts",outcome="success"} > 0')).toBe(true);
    expect(await has('circuit_breaker_state{job="bff-web",subgraph_name="media",state="closed"} == 1')).toBe(true);
    expect(await has('http_server_request_duration_seconds_count{job="bff-web",http_route="/graphql",http_response_status_code="200"} > 0')).toBe(true);
    // Anonymous FrontPage repeats were answered from the response cache.
    expect(await has('graphql_response_cache_requests_total{job="bff-web",result="hit"} > 0')).toBe(true);
    await prometheus.waitFor('messaging_consumer_lag_seconds{job="media",source="posts.outbox"}', (result) => result.length === 1);
    expect(await has('messaging_consumer_lag_seconds{job="bff-web",consumer="bff-web",source="users.session_revocations"}')).toBe(true);
  });

  it("answers bff-web's /metrics with metrics, not the web app's page", async () => {
    const response = await fetch(`${stack.web}/metrics`);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toMatch(/^# HELP /m);
  });
});

describe('traces', () => {
  it("one web request is one trace: bff-web, its query plan and fetches, each subgraph's request and SQL", async () => {
    const { traceId, parentId, headers } = clientTrace();
    const { body } = await graphql(stack.web, 'query TracedPosts { posts(first: 2) { nodes { title author { handle } media { kind } } } }', {}, headers);
    expect(body.errors).toBeUndefined();

    const services = (spans: ReceivedSpan[]) => new Set(spans.map((s) => s.service));
    const sqlIn = (spans: ReceivedSpan[], service: SubgraphName) => spans.some((s) => s.service === service && isSql(s));
    const spans = await otlp.waitForTrace(traceId, (trace) => {
      const ids = new Set(trace.map((s) => s.spanId));
      return (
        ['bff-web', 'users', 'posts', 'media'].every((s) => services(trace).has(s)) &&
        (['users', 'posts', 'media'] as const).every((s) => sqlIn(trace, s)) &&
        trace.every((s) => s.parentSpanId === parentId || ids.has(s.parentSpanId!))
      );
    });

    // One root, bff-web's server span, child of the client's span; every other parent is in the trace.
    const roots = spans.filter((s) => s.parentSpanId === parentId);
    expect(roots.map((s) => [s.service, s.kind])).toEqual([['bff-web', 2]]);
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestry = (span: ReceivedSpan): ReceivedSpan[] => (span.parentSpanId && byId.has(span.parentSpanId) ? [span, ...ancestry(byId.get(span.parentSpanId)!)] : [span]);
    // @apollo/gateway's own spans are there: the plan and one fetch per subgraph.
    const names = spans.filter((s) => s.service === 'bff-web').map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['gateway.request', 'gateway.plan', 'gateway.fetch']));
    // Each subgraph's SQL leads up, link by link, through its request and bff-web's fetch, to the root.
    for (const subgraph of ['users', 'posts', 'media'] as const) {
      const chain = ancestry(spans.find((s) => s.service === subgraph && isSql(s))!);
      expect(chain[chain.length - 1]).toBe(roots[0]);
      expect(chain.some((s) => s.service === subgraph && s.kind === 2)).toBe(true);
      expect(chain.some((s) => s.service === 'bff-web' && s.name === 'gateway.fetch')).toBe(true);
    }

    // The request's log lines, in bff-web and in each subgraph, name the trace and one of its spans.
    const spanIds = new Set(spans.map((s) => s.spanId));
    for (const service of [stack.bffs['bff-web'], stack.subgraphs.users, stack.subgraphs.posts, stack.subgraphs.media]) {
      const lines = service.output.filter((line) => line.includes(traceId)).map((line) => JSON.parse(line));
      const request = lines.find((line) => line.msg === 'request' && String(line.operationName).startsWith('TracedPosts'));
      expect(request).toMatchObject({ trace_id: traceId });
      expect(spanIds).toContain(request.span_id);
    }
  });

  it('a request without traceparent starts a trace of its own', async () => {
    const before = new Set(otlp.spans.map((s) => s.traceId));
    await graphql(stack.web, 'query Untraced { posts(first: 1) { nodes { id } } }', {}, { 'cache-control': 'no-cache' });
    const deadline = Date.now() + 30_000;
    let fresh: ReceivedSpan | undefined;
    while (!fresh && Date.now() < deadline) {
      fresh = otlp.spans.find((s) => !before.has(s.traceId) && s.service === 'bff-web' && s.kind === 2 && !s.parentSpanId);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(fresh).toBeDefined();
  });
});

describe('a media outage', () => {
  it('shows up as a span with error status and in the breaker metric', async () => {
    await stack.stopSubgraph('media');
    const query = 'query PostsWithMedia { posts(first: 2) { nodes { title media { kind } } } }';
    const { traceId, headers } = clientTrace();
    const first = await graphql(stack.web, query, {}, headers);
    expect(first.body.errors?.[0].extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
    const spans = await otlp.waitForTrace(traceId, (trace) => trace.some((s) => s.service === 'bff-web' && s.statusCode === 2));
    expect(spans.filter((s) => s.statusCode === 2).map((s) => s.service)).toContain('bff-web');

    // The second failure opens the breaker.
    await graphql(stack.web, query, {}, { 'cache-control': 'no-cache' });
    const open = await prometheus.waitFor('circuit_breaker_state{job="bff-web",subgraph_name="media",state="open"} == 1', (result) => result.length === 1);
    expect(open).toHaveLength(1);
    expect((await prometheus.query('subgraph_request_errors_total{job="bff-web",subgraph_name="media"} > 0')).length).toBe(1);
  });
});
