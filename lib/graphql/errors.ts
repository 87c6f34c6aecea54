import { GraphQLError } from 'graphql';

/**
 * The error vocabulary every service speaks. Each error carries a stable
 * `extensions.code`; messages tell the caller how to fix the request.
 */

/**
 * Error codes that are ours to show a client with their message. Anything else is an internal
 * failure: masked to a fixed message, its detail logged with the request id.
 */
export const PUBLIC_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'PERSISTED_QUERY_NOT_IN_LIST',
  'OPERATION_RESOLUTION_FAILURE',
  'SUBGRAPH_UNAVAILABLE',
  'SUBGRAPH_TIMEOUT',
  'DATABASE_UNAVAILABLE',
  'QUERY_TOO_DEEP',
  'TOO_MANY_ALIASES',
  'TOO_MANY_ROOT_FIELDS',
  'QUERY_TOO_COSTLY',
  'QUERY_TOO_LARGE',
  'TOO_MANY_UPLOADS',
  'RATE_LIMITED',
]);

/**
 * The code of an error that is the request's fault although it carries none: Apollo Server's
 * request pipeline refuses a wrong APQ hash, an unsupported APQ version and the like with an
 * HTTP status of 4xx and no code (which it would report as INTERNAL_SERVER_ERROR). They are
 * BAD_REQUEST. Undefined for anything else.
 */
export function requestFaultCode(error: unknown): 'BAD_REQUEST' | undefined {
  const extensions = (error as { extensions?: { code?: unknown; http?: { status?: unknown } } } | null)?.extensions;
  const status = extensions?.http?.status;
  return extensions && extensions.code === undefined && typeof status === 'number' && status >= 400 && status < 500 ? 'BAD_REQUEST' : undefined;
}

/** A field of the input is invalid; `field` names it (e.g. `input.title`). */
export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, {
    extensions: { code: 'BAD_USER_INPUT', field },
  });
}

/**
 * Too many attempts (sign-ins, sign-ups, refreshes): try again after `retryAfter` seconds. The
 * BFFs answer it with HTTP 429 and a `Retry-After` header.
 */
export function rateLimited(retryAfterSeconds: number, message = 'Too many attempts; try again later'): GraphQLError {
  const retryAfter = Math.max(1, Math.ceil(retryAfterSeconds));
  return new GraphQLError(`${message} (in ${retryAfter} s)`, { extensions: { code: 'RATE_LIMITED', retryAfter } });
}

export function notFound(type: string, id: string): GraphQLError {
  return new GraphQLError(`${type} ${id} does not exist`, {
    extensions: { code: 'NOT_FOUND', type, id },
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a UUID, the format of every id in the graph. */
export function isId(value: string): boolean {
  return UUID.test(value);
}

/**
 * The id of a reference from another subgraph's data (an entity representation, a parent from
 * another subgraph), lower-cased; null when it cannot be an id, so that it resolves to null, not an error.
 */
export function referenceId(value: string): string | null {
  return isId(value) ? value.toLowerCase() : null;
}

/** Checks an id argument before it reaches SQL, where a malformed UUID would be a server error. */
export function requireId(field: string, value: string): string {
  if (!isId(value)) throw badInput(field, `"${value}" is not a valid id`);
  return value.toLowerCase();
}

/**
 * Checks where a reader of an internal feed is (`after`, a position: a decimal number, as the
 * feeds send them) and how many entries it asks for (`first`, 1–`maxFirst`).
 */
export function feedPage(after: string, first: number, maxFirst: number): { after: bigint; first: number } {
  if (!/^\d{1,19}$/.test(after)) throw badInput('after', 'must be a position: a decimal number');
  if (first < 1 || first > maxFirst) throw badInput('first', `must be between 1 and ${maxFirst}`);
  return { after: BigInt(after), first };
}

// C0 controls except tab, line feed and carriage return, DEL, C1 controls, and lone surrogates:
// Postgres cannot store NUL, and none of these belong in text a person wrote. Bidirectional
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) reorder what a reader sees
// ("Trojan Source"), and U+200B, U+2060 and U+FEFF make two names look alike: refused too. The
// joiners U+200C and U+200D stay (scripts and emoji need them), as do the marks U+200E and U+200F.
const CONTROL =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B\u202A-\u202E\u2060\u2066-\u2069\uFEFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// What breaks a line or a column, refused in one-line fields (names, titles, alt text).
const LINE_BREAK = /[\t\n\r\u2028\u2029]/;

/**
 * Checks free text: no control characters (nor tabs and line breaks unless `multiline`), and
 * `min`–`max` characters counted as Postgres counts them (code points, so an emoji is one).
 * Returns it trimmed unless `trim` is false.
 */
export function text(
  field: string,
  value: string,
  { min = 0, max, trim = true, multiline = false }: { min?: number; max: number; trim?: boolean; multiline?: boolean },
): string {
  const result = trim ? value.trim() : value;
  if (CONTROL.test(result)) throw badInput(field, 'must not contain control or invisible formatting characters');
  if (!multiline && LINE_BREAK.test(result)) throw badInput(field, 'must be one line, without tabs');
  const length = [...result].length;
  if (length < min || length > max) throw badInput(field, min > 0 ? `must be ${min}–${max} characters` : `must be at most ${max} characters`);
  return result;
}
