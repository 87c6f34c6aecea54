// Preloaded by `npm run bench:telemetry` into one bff-web (NODE_OPTIONS=--require): an
// AsyncLocalStorage in use, as OpenTelemetry's context manager has it, and nothing else, to show
// what propagating a context through every promise costs on this Node.
const { AsyncLocalStorage } = require('node:async_hooks');
new AsyncLocalStorage().enterWith({});
