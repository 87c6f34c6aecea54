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

/** A boolean variable ("true"/"false"/"1"/"0"), or `fallback` when unset. */
export function envBool(name: string, fallback: boolean): boolean {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false; got "${raw}"`);
}

/** A URL variable, validated, or `fallback` when unset. */
export function envUrl(name: string, fallback: string): string;
export function envUrl(name: string): string | undefined;
export function envUrl(name: string, fallback?: string): string | undefined {
  const raw = envString(name);
  if (raw === undefined) return fallback;
  try {
    new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL; got "${raw}"`);
  }
  return raw;
}

/** The three subgraphs, in the order they are started. */
export const SUBGRAPHS = ['users', 'posts', 'media'] as const;
export type SubgraphName = (typeof SUBGRAPHS)[number];

/** Default ports of DESIGN.md's runtime contract. */
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
