import { isSpanContextValid, trace } from '@opentelemetry/api';
import pino, { type Logger } from 'pino';
import type { LogLevel } from '../config/env';

export type { Logger };

/** Longest string a log line keeps of any one value; the rest is replaced by a count. */
export const MAX_LOGGED_STRING = 1_000;
/** Most items of an array, keys of an object, and levels of nesting a log line keeps. */
const MAX_LOGGED_ITEMS = 50;
const MAX_LOGGED_DEPTH = 6;

/** `value` cut to `max` characters, saying how many were dropped. */
export function clip(value: string, max = MAX_LOGGED_STRING): string {
  return value.length <= max ? value : `${value.slice(0, max)}…[${value.length - max} more characters]`;
}

/**
 * A log entry's values, bounded: every string clipped, long arrays and objects cut, deep ones
 * flattened. Much of what is logged comes from clients (operation names, client names, error
 * messages quoting their input), so no value may make a line large: one line stays a few KB
 * whatever a request carried. An Error is left to pino's `err` serializer, which bounds it too.
 */
export function bounded(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return clip(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error || value instanceof Date) return value;
  if (depth >= MAX_LOGGED_DEPTH) return '[…]';
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_LOGGED_ITEMS).map((item) => bounded(item, depth + 1));
    return value.length > MAX_LOGGED_ITEMS ? [...kept, `…[${value.length - MAX_LOGGED_ITEMS} more items]`] : kept;
  }
  const entries = Object.entries(value);
  const kept = Object.fromEntries(entries.slice(0, MAX_LOGGED_ITEMS).map(([key, item]) => [clip(key, 100), bounded(item, depth + 1)]));
  if (entries.length > MAX_LOGGED_ITEMS) kept['…'] = `${entries.length - MAX_LOGGED_ITEMS} more keys`;
  return kept;
}

/**
 * The trace and span of the line's request, when it is traced (lib/telemetry/tracing.ts), so a
 * log line leads to its trace and back. Without tracing there is never an active span.
 */
function traceFields(): Record<string, string> {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}

/**
 * One structured JSON logger per process, at `level` (a service passes its config's `LOG_LEVEL`);
 * request handlers derive child loggers that carry the request id, and a traced request's lines
 * carry `trace_id` and `span_id`. Every entry passes through `bounded`, the message too. It writes
 * to stdout unless given a `destination`.
 */
export function createLogger(service: string, level: LogLevel = 'info', destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: traceFields,
    serializers: { err: (error) => bounded(pino.stdSerializers.err(error)) },
    formatters: {
      log: (entry) => bounded(entry) as Record<string, unknown>,
      bindings: (bindings) => bounded(bindings) as Record<string, unknown>,
    },
    hooks: {
      // The message argument (and any interpolation values) are bounded too.
      logMethod(args, method) {
        // An Error alone would lend its whole message to the line's `msg`.
        const [first, ...rest] = args as unknown[];
        const spread = first instanceof Error && typeof rest[0] !== 'string' ? [{ err: first }, first.message, ...rest] : args;
        return method.apply(this, spread.map((arg) => bounded(arg)) as Parameters<typeof method>);
      },
    },
  }, destination as pino.DestinationStream);
}

/**
 * A warning that anyone can trigger (a request refused before any account is known, say) logged at
 * most once per `intervalMs`: the first at once, then one line saying how many were not logged,
 * so a flood of such requests cannot flood the log.
 */
export function throttledWarning(logger: Logger, message: string, intervalMs = 10_000, clock = () => performance.now()) {
  let lastAt = -Infinity;
  let unlogged = 0;
  return (fields: Record<string, unknown> = {}) => {
    const now = clock();
    if (now - lastAt < intervalMs) {
      unlogged += 1;
      return;
    }
    logger.warn(unlogged > 0 ? { ...fields, notLogged: unlogged } : fields, message);
    lastAt = now;
    unlogged = 0;
  };
}
