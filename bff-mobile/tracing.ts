import { startTracing } from '../lib/telemetry/tracing';

// index.ts imports this first: the instrumentations must see http and pg load.
// The edge: it samples by itself, whatever a client's traceparent asks (lib/telemetry/tracing.ts samplerOf).
startTracing('bff-mobile', { edge: true });
