import { ConfigError, envEnum, envString, envUrl } from './env';

/** OpenTelemetry's sampler names (OTEL_TRACES_SAMPLER) that this graph supports. */
export const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** The OTLP encodings over HTTP (OTEL_EXPORTER_OTLP_PROTOCOL); gRPC is not supported. */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;

/**
 * Tracing, read from OpenTelemetry's standard variables. Off unless `OTEL_EXPORTER_OTLP_ENDPOINT`
 * is set: then no OpenTelemetry SDK is even loaded.
 */
export interface TracingConfig {
  /** `OTEL_EXPORTER_OTLP_ENDPOINT` (e.g. http://127.0.0.1:4318): spans go to `<endpoint>/v1/traces`. Unset: tracing off. */
  endpoint?: string;
  /** `OTEL_EXPORTER_OTLP_PROTOCOL`, http/protobuf (default) or http/json. */
  protocol: (typeof OTLP_PROTOCOLS)[number];
  /** `OTEL_SERVICE_NAME`, default the service's own name (bff-web, users, …). */
  serviceName: string;
  /** `OTEL_TRACES_SAMPLER`, default parentbased_always_on: every trace a client did not decide against. */
  sampler: SamplerName;
  /** `OTEL_TRACES_SAMPLER_ARG`: the ratio of the *traceidratio samplers, 0 to 1, default 1. */
  ratio: number;
}

export function tracingConfig(service: string): TracingConfig {
  const rawRatio = envString('OTEL_TRACES_SAMPLER_ARG');
  const ratio = rawRatio === undefined ? 1 : Number(rawRatio);
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) throw new ConfigError(`OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1; got "${rawRatio}"`);
  return {
    endpoint: envUrl('OTEL_EXPORTER_OTLP_ENDPOINT')?.replace(/\/+$/, ''),
    protocol: envEnum('OTEL_EXPORTER_OTLP_PROTOCOL', OTLP_PROTOCOLS, 'http/protobuf'),
    serviceName: envString('OTEL_SERVICE_NAME', service),
    sampler: envEnum('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on'),
    ratio,
  };
}
