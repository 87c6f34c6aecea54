/**
 * Typed access to environment variables. Each service reads its env once, at start,
 * through these helpers; a malformed value stops the process with a message that names
 * the variable, instead of surfacing later as a confusing runtime failure.
 */

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** A string variable, or `fallback` when unset or empty. */
export function envString(name: string, fallback: string): string;
export function envString(name: string): string | undefined;
export function envString(name: string, fallback?: string): string | undefined {
  const raw = process.env[name];
  return raw === undefined || raw === '' ? fallback : raw;
}

/** An integer variable within [min, max], or `fallback` when unset. */
export function envInt(name: string, fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}; got "${raw}"`);
  }
  return value;
}

/** The longest delay Node's timers take: past it, setTimeout and setInterval fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A duration in milliseconds within [min, max], or `fallback` when unset; never past MAX_TIMER_MS
 * (about 24.8 days), which a timer would silently turn into 1 ms.
 */
export function envMs(name: string, fallback: number, { min = 0, max = MAX_TIMER_MS } = {}): number {
  return envInt(name, fallback, { min, max: Math.min(max, MAX_TIMER_MS) });
}

/** A boolean variable ("true"/"false"/"1"/"0"), or `fallback` when unset. */
export function envBool(name: string, fallback: boolean): boolean {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false; got "${raw}"`);
}

/** A URL variable with one of `protocols` (default http and https), or `fallback` when unset. */
export function envUrl(name: string, fallback: string, options?: { protocols?: string[] }): string;
export function envUrl(name: string, fallback?: undefined, options?: { protocols?: string[] }): string | undefined;
export function envUrl(name: string, fallback?: string, { protocols = ['http:', 'https:'] }: { protocols?: string[] } = {}): string | undefined {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL; got "${withoutCredentials(raw)}"`);
  }
  // `localhost:4001/graphql` parses, as scheme "localhost:": say so here, not as a failure later.
  if (!protocols.includes(url.protocol)) throw new ConfigError(`${name} must be a ${protocols.map((p) => p.slice(0, -1)).join(' or ')} URL; got "${withoutCredentials(raw)}"`);
  return raw;
}

/**
 * `raw` as an error may quote it: a database or Redis URL carries its password
 * (`redis://:secret@host`), and the line that names a bad value goes to the log.
 */
function withoutCredentials(raw: string): string {
  // Up to the last "@": a password with an unescaped "/" or "#" in it is hidden all the same.
  return raw.replace(/\/\/.*@/, '//***@');
}

/** The three subgraphs, in the order they are started. */
export const SUBGRAPHS = ['users', 'posts', 'media'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

/** Default ports of the services (README.md, Endpoints). */
export const DEFAULT_PORTS = {
  'bff-web': 4000,
  'bff-mobile': 4100,
  users: 4001,
  posts: 4002,
  media: 4003,
} as const;

/** `USERS_DATABASE_URL` for `users`, and so on. */
export function databaseUrlVariable(name: SubgraphName): string {
  return `${name.toUpperCase()}_DATABASE_URL`;
}

/** `USERS_PORT` for `users`, `BFF_WEB_PORT` for `bff-web`. */
export function portVariable(service: keyof typeof DEFAULT_PORTS): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_PORT`;
}

/** One of `choices`, or `fallback` when unset. */
export function envEnum<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${choices.join(', ')}; got "${raw}"`);
  return raw as T;
}

/** A list of origins (`scheme://host[:port]`, comma-separated), each validated, or `fallback` when unset. */
export function envOrigins(name: string, fallback: string[] = []): string[] {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      let url: URL;
      try {
        url = new URL(item);
      } catch {
        throw new ConfigError(`${name} must be comma-separated origins such as https://app.example.com; got "${item}"`);
      }
      if (!['http:', 'https:'].includes(url.protocol) || url.origin !== item.replace(/\/$/, '')) {
        throw new ConfigError(`${name} must be comma-separated origins (scheme://host[:port], no path); got "${item}"`);
      }
      return url.origin;
    });
}

/** A TCP port (0 picks a free one), or `fallback` when unset. */
export function envPort(name: string, fallback: number): number {
  return envInt(name, fallback, { min: 0, max: 65535 });
}

/** Pino's levels, for `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where and how loudly a service process runs (lib/http/main.ts runService). */
export interface ListenConfig {
  /** `<SERVICE>_PORT` (e.g. `BFF_WEB_PORT`, `USERS_PORT`), default from DEFAULT_PORTS; 0 picks a free one. */
  port: number;
  /** `HOST`, default 127.0.0.1. */
  host: string;
  /** `LOG_LEVEL`, default info. */
  logLevel: LogLevel;
}

export function listenConfig(service: keyof typeof DEFAULT_PORTS): ListenConfig {
  return {
    port: envPort(portVariable(service), DEFAULT_PORTS[service]),
    host: envString('HOST', '127.0.0.1'),
    logLevel: envEnum('LOG_LEVEL', LOG_LEVELS, 'info'),
  };
}

/**
 * "Is this production?", decided here and nowhere else: `NODE_ENV=production`. Secrets must then
 * be set, and development conveniences (Sandbox, introspection, generated keys) are off.
 */
export function isProduction(): boolean {
  return envString('NODE_ENV') === 'production';
}

/**
 * Loads a service's config, or stops the process with one line naming the bad variable (no
 * stack trace: the operator's mistake is in the environment, not in the code).
 */
export function loadConfigOrExit<T>(service: string, load: () => T): T {
  try {
    return load();
  } catch (error) {
    // Whatever reading the environment threw, the operator gets one line, not a stack trace.
    const message = error instanceof ConfigError ? error.message : `invalid configuration: ${(error as Error).message}`;
    process.stderr.write(`${service}: ${message}\n`);
    process.exit(1);
  }
}
