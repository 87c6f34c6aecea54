import { startTracing } from '../../lib/telemetry/tracing';

// index.ts imports this first: the instrumentations must see http and pg load.
startTracing('media');
