import { context, propagation } from '@opentelemetry/api';

/**
 * The hook by which events carry a trace. A producer stores `traceCarrier()` with the event
 * (beside it in an outbox row, or as a message's headers); a consumer handles the event inside
 * `withTraceCarrier(carrier, handle)`, so what the handling does (its SQL, its calls) belongs to
 * the trace of the request that caused the event. With tracing off both cost nothing: the carrier
 * is empty and the handling runs as it would.
 */
export type TraceCarrier = Record<string, string>;

/** The W3C trace context (`traceparent`, `tracestate`) of the current span; empty outside a trace. */
export function traceCarrier(): TraceCarrier {
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier;
}

/** Runs `handle` as part of the trace `carrier` names (as its child), or as it would without one. */
export function withTraceCarrier<T>(carrier: TraceCarrier | null | undefined, handle: () => T): T {
  if (!carrier || Object.keys(carrier).length === 0) return handle();
  return context.with(propagation.extract(context.active(), carrier), handle);
}
