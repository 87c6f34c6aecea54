import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import { ConfigError } from '../../lib/config/env';
import { tracingConfig } from '../../lib/config/tracing';
import { createLogger } from '../../lib/telemetry/logger';
import { ANONYMOUS_OPERATION, MAX_OPERATION_NAMES, operationLabel, OTHER_OPERATION, registry, setConsumerLag, UNKNOWN_OPERATION } from '../../lib/telemetry/metrics';
import { traceCarrier, withTraceCarrier } from '../../lib/telemetry/trace-context';
import { redactedUrlAttributes, samplerOf } from '../../lib/telemetry/tracing';

describe('tracing config (the OTEL_* variables)', () => {
  const VARIABLES = ['OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_PROTOCOL', 'OTEL_SERVICE_NAME', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG'];
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  const withEnv = (env: Record<string, string>) => {
    for (const name of VARIABLES) delete process.env[name];
    Object.assign(process.env, env);
  };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  });
  const refusal = (env: Record<string, string>) => {
    withEnv(env);
    try {
      tracingConfig('users');
    } catch (error) {
      return error instanceof ConfigError ? error.message : `not a ConfigError: ${error}`;
    }
    return 'accepted';
  };

  it('is off without an endpoint, and names the service after itself', () => {
    withEnv({});
    expect(tracingConfig('users')).toEqual({ endpoint: undefined, protocol: 'http/protobuf', serviceName: 'users', sampler: 'parentbased_always_on', ratio: 1 });
    withEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' });
    expect(tracingConfig('users')).toMatchObject({ endpoint: 'http://127.0.0.1:4318', protocol: 'http/json', sampler: 'parentbased_traceidratio', ratio: 0.1 });
  });

  it('refuses a bad value with a message naming the variable', () => {
    expect(refusal({ OTEL_EXPORTER_OTLP_ENDPOINT: '127.0.0.1:4318' })).toMatch(/^OTEL_EXPORTER_OTLP_ENDPOINT must be/);
    expect(refusal({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatch(/^OTEL_EXPORTER_OTLP_PROTOCOL must be one of http\/protobuf, http\/json/);
    expect(refusal({ OTEL_TRACES_SAMPLER: 'sometimes' })).toMatch(/^OTEL_TRACES_SAMPLER must be one of/);
    expect(refusal({ OTEL_TRACES_SAMPLER_ARG: '1.5' })).toMatch(/^OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1/);
    expect(refusal({ OTEL_TRACES_SAMPLER_ARG: 'half' })).toMatch(/^OTEL_TRACES_SAMPLER_ARG must be/);
  });
});

describe("a client's traceparent and sampling", () => {
  // The trace id a client picks to fall under any traceidratio sampler's threshold, flagged sampled.
  const traceId = '00000000000000000000000000000001';
  const fromClient = (sampled: boolean) =>
    trace.setSpanContext(context.active(), { traceId, spanId: '00f067aa0ba902b7', traceFlags: sampled ? 1 : 0, isRemote: true });
  const sampled = (sampler: ReturnType<typeof samplerOf>, parent: ReturnType<typeof fromClient>) =>
    sampler.shouldSample(parent, traceId, 'POST', 1, {}, []).decision === tracing.SamplingDecision.RECORD_AND_SAMPLED;
  const config = { endpoint: 'http://127.0.0.1:4318', protocol: 'http/protobuf', serviceName: 'bff-web', sampler: 'parentbased_traceidratio', ratio: 1e-9 } as const;

  it('cannot make a BFF trace its requests, with the sampled flag or a chosen trace id', () => {
    const decisions = Array.from({ length: 100 }, () => sampled(samplerOf(config, true), fromClient(true)));
    expect(decisions.filter(Boolean)).toHaveLength(0);
  });

  it('cannot keep its requests out of a BFF\'s traces by unsetting the flag', () => {
    expect(sampled(samplerOf({ ...config, sampler: 'parentbased_always_on', ratio: 1 }, true), fromClient(false))).toBe(true);
  });

  it("is followed by a subgraph, which only a BFF calls", () => {
    expect(sampled(samplerOf(config, false), fromClient(true))).toBe(true);
    expect(sampled(samplerOf({ ...config, sampler: 'parentbased_always_on', ratio: 1 }, false), fromClient(false))).toBe(false);
  });
});

describe('URLs in spans', () => {
  it("replace an upload's secret in every attribute that holds the path, and leave other paths to the instrumentation", () => {
    const secret = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg';
    const attributes = redactedUrlAttributes('http://127.0.0.1:4003', `/uploads/${secret}?part=2`);
    expect(attributes).toEqual({
      'http.target': '/uploads/[secret]?part=2',
      'url.path': '/uploads/[secret]',
      'http.url': 'http://127.0.0.1:4003/uploads/[secret]?part=2',
      'url.full': 'http://127.0.0.1:4003/uploads/[secret]?part=2',
    });
    expect(JSON.stringify(attributes)).not.toContain(secret);
    expect(redactedUrlAttributes('http://127.0.0.1:4003', '/graphql')).toEqual({});
  });
});

describe('operation names as metric labels', () => {
  it('keeps the first names it sees, then labels any new one OTHER, so clients cannot grow the series without bound', () => {
    expect(operationLabel('FrontPage', true)).toBe('FrontPage');
    expect(operationLabel(undefined, true)).toBe(ANONYMOUS_OPERATION);
    expect(operationLabel('FrontPage', false)).toBe(UNKNOWN_OPERATION);
    expect(operationLabel(`Long${'x'.repeat(200)}`, true)).toBe(UNKNOWN_OPERATION);
    for (let i = 0; i < MAX_OPERATION_NAMES * 2; i++) operationLabel(`Generated${i}`, true);
    expect(operationLabel('OneMore', true)).toBe(OTHER_OPERATION);
    // Names seen before the cap keep their own label.
    expect(operationLabel('FrontPage', true)).toBe('FrontPage');
  });
});

describe('consumer lag', () => {
  it('is served as messaging_consumer_lag_seconds by consumer and source', async () => {
    setConsumerLag('media', 'posts.post_events', 2.5);
    const text = await registry.metrics();
    expect(text).toMatch(/^messaging_consumer_lag_seconds\{consumer="media",source="posts.post_events"\} 2.5$/m);
  });
});

describe('with an OpenTelemetry tracer registered', () => {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({ spanProcessors: [new tracing.SimpleSpanProcessor(exporter)] });
  beforeAll(() => provider.register());
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it("puts the active span's trace_id and span_id on every log line", () => {
    const lines: string[] = [];
    const logger = createLogger('test', 'info', { write: (line: string) => lines.push(line) });
    trace.getTracer('test').startActiveSpan('request', (span) => {
      logger.info('inside');
      span.end();
    });
    logger.info('outside');
    const [inside, outside] = lines.map((line) => JSON.parse(line));
    const { traceId, spanId } = exporter.getFinishedSpans()[0].spanContext();
    expect(inside).toMatchObject({ msg: 'inside', trace_id: traceId, span_id: spanId });
    expect(outside.trace_id).toBeUndefined();
  });

  it("carries a trace through an event: the consumer's span is a child of the producer's", () => {
    const tracer = trace.getTracer('test');
    let carrier: Record<string, string> = {};
    const producer = tracer.startActiveSpan('produce', (span) => {
      carrier = traceCarrier();
      span.end();
      return span.spanContext();
    });
    expect(carrier.traceparent).toBe(`00-${producer.traceId}-${producer.spanId}-01`);
    const consumer = withTraceCarrier(carrier, () => tracer.startActiveSpan('consume', (span) => (span.end(), span)));
    expect(consumer.spanContext().traceId).toBe(producer.traceId);
    expect((consumer as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId).toBe(producer.spanId);
    // Outside a trace the carrier is empty, and handling runs as it would.
    expect(traceCarrier()).toEqual({});
    expect(withTraceCarrier({}, () => 42)).toBe(42);
  });
});
