import type { IncomingMessage, RequestOptions } from 'node:http';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { Sampler } from '@opentelemetry/sdk-trace-base';
import { loadConfigOrExit } from '../config/env';
import { tracingConfig, type TracingConfig } from '../config/tracing';
import { loggedPath } from '../http/credential-paths';
import { BACKGROUND_HEADER } from '../identity/assertion';

/** Requests no one traces: probes and scrapes, every few seconds each. */
const UNTRACED_PATHS = ['/health', '/ready', '/metrics'];

let sdk: NodeSDK | undefined;

/**
 * The sampler of a service. `edge` is a BFF's: the first to see a client's request. A client's
 * `traceparent` still names the trace a BFF's spans join (a browser's trace goes on through the
 * graph), but its sampled flag is not obeyed there: with a `parentbased_*` sampler any client
 * could set it to have every one of its requests traced, and each trace costs every service it
 * crosses, so it could multiply the tracing's cost at will (or unset it, to go untraced). A BFF
 * decides by itself, at random at the configured ratio rather than by the trace id, which the
 * client chose too. The subgraphs, reached by the BFFs only, follow the BFF's decision.
 */
export function samplerOf({ sampler, ratio }: TracingConfig, edge: boolean): Sampler {
  const base = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  const kind = sampler.replace(/^parentbased_/, '');
  const root = kind === 'always_off' ? new base.AlwaysOffSampler() : kind === 'traceidratio' ? new base.TraceIdRatioBasedSampler(ratio) : new base.AlwaysOnSampler();
  if (!edge) return sampler.startsWith('parentbased_') ? new base.ParentBasedSampler({ root }) : root;
  const ownDecision: Sampler =
    kind === 'traceidratio'
      ? {
          shouldSample: () => ({ decision: Math.random() < ratio ? base.SamplingDecision.RECORD_AND_SAMPLED : base.SamplingDecision.NOT_RECORD }),
          toString: () => `RandomRatio{${ratio}}`,
        }
      : root;
  // The gateway's own spans (plan, fetches) follow its server span's decision, whatever the sampler's name.
  return new base.ParentBasedSampler({ root, remoteParentSampled: ownDecision, remoteParentNotSampled: ownDecision });
}

/** True for a background poll of another service's feed (lib/identity/assertion.ts BACKGROUND_HEADER). */
function isBackground(headers: unknown): boolean {
  if (Array.isArray(headers)) {
    const at = headers.findIndex((name) => String(name).toLowerCase() === BACKGROUND_HEADER);
    return at >= 0 && at % 2 === 0;
  }
  if (typeof headers === 'string') return headers.toLowerCase().includes(`${BACKGROUND_HEADER}:`);
  return typeof headers === 'object' && headers !== null && Object.keys(headers).some((name) => name.toLowerCase() === BACKGROUND_HEADER);
}

/**
 * The URL attributes of an HTTP span whose path holds a credential (lib/http/credential-paths.ts),
 * redacted; none otherwise. The HTTP instrumentation records the path (`http.target`, `url.path`)
 * and the whole URL (`http.url`, `url.full`) of every request served and made, and the BFFs relay
 * `PUT /uploads/<secret>` to media: whoever reads the traces would hold every upload's secret.
 * Both semantic conventions' names are set, whichever the instrumentation uses.
 */
export function redactedUrlAttributes(origin: string, pathAndQuery: string | undefined): Record<string, string> {
  const [pathname, query] = (pathAndQuery ?? '/').split(/\?(.*)/s);
  const path = loggedPath(pathname);
  if (path === pathname) return {};
  const target = query ? `${path}?${query}` : path;
  return { 'http.target': target, 'url.path': path, 'http.url': `${origin}${target}`, 'url.full': `${origin}${target}` };
}

/**
 * Starts OpenTelemetry tracing for `service` when `OTEL_EXPORTER_OTLP_ENDPOINT` is set
 * (lib/config/tracing.ts), and does nothing otherwise: the SDK is not even loaded then.
 *
 * It must run before the service's other modules load, because the instrumentations patch `http`
 * and `pg` as they are required: each service's `index.ts` imports its `tracing.ts` first.
 * Traced: every HTTP request a service serves (its `traceparent` continued, or a trace begun),
 * every call it makes through `http` (the BFFs' subgraph fetches, lib/resilience/fetch.ts) or `fetch`
 * (undici: one subgraph asking another) with `traceparent` passed on, the spans @apollo/gateway
 * makes itself (request, plan, fetches), and the SQL of a traced request. A BFF, the `edge`,
 * continues a client's trace but samples by itself (samplerOf). Probes, scrapes and
 * background polls are not traced: they would be most of the traces of an idle graph.
 */
export function startTracing(service: string, { edge = false }: { edge?: boolean } = {}): void {
  const config = loadConfigOrExit(service, () => tracingConfig(service));
  if (!config.endpoint) return;
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { OTLPTraceExporter } = (config.protocol === 'http/json'
    ? require('@opentelemetry/exporter-trace-otlp-http')
    : require('@opentelemetry/exporter-trace-otlp-proto')) as typeof import('@opentelemetry/exporter-trace-otlp-http');

  sdk = new NodeSDK({
    serviceName: config.serviceName,
    traceExporter: new OTLPTraceExporter({ url: `${config.endpoint}/v1/traces` }),
    sampler: samplerOf(config, edge),
    // Traces only: metrics are Prometheus' (lib/telemetry/metrics.ts), logs go to stdout.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req: IncomingMessage) => UNTRACED_PATHS.includes((req.url ?? '').split('?')[0]) || isBackground(req.headers),
        ignoreOutgoingRequestHook: (options: RequestOptions) => isBackground(options.headers),
        startIncomingSpanHook: (req: IncomingMessage) => redactedUrlAttributes(`http://${req.headers.host ?? 'localhost'}`, req.url),
        startOutgoingSpanHook: (options: RequestOptions) =>
          redactedUrlAttributes(`${options.protocol ?? 'http:'}//${options.hostname ?? options.host ?? 'localhost'}${options.port ? `:${options.port}` : ''}`, options.path ?? undefined),
      }),
      new UndiciInstrumentation({
        ignoreRequestHook: (request) => isBackground(request.headers),
        startSpanHook: (request) => redactedUrlAttributes(request.origin, request.path),
      }),
      // SQL of traced requests only: a statement outside any request would be a trace of its own.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  sdk.start();
}

/** Sends the spans not yet exported; a stopping service calls it last. */
export async function stopTracing(): Promise<void> {
  await sdk?.shutdown().catch(() => undefined);
}
