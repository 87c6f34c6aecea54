import type { GraphQLFormattedError } from 'graphql';
import { PUBLIC_CODES, requestFaultCode } from '../lib/graphql/errors';
import { tooLarge } from '../lib/graphql/query-limits';

/**
 * What a client may see of an error: a public code keeps its message (and the field or
 * subgraph it concerns); a subgraph failure becomes SUBGRAPH_UNAVAILABLE naming the subgraph;
 * a refusal of the request itself without a code (a wrong APQ hash) BAD_REQUEST with its
 * message; anything else a fixed message. Never a stack, a URL, a host or SQL.
 */
export function maskError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  const fault = requestFaultCode(error);
  if (fault) return { message: formatted.message, extensions: { code: fault } };
  const { code, field, serviceName, retryAfter } = (formatted.extensions ?? {}) as Record<string, unknown>;
  const large = code === 'GRAPHQL_PARSE_FAILED' ? tooLarge(formatted.message) : undefined;
  if (large) return { message: large.message, extensions: { code: large.code } };
  const base = { ...(formatted.locations && { locations: formatted.locations }), ...(formatted.path && { path: formatted.path }) };
  if (typeof code === 'string' && PUBLIC_CODES.has(code)) {
    return {
      message: formatted.message,
      ...base,
      extensions: {
        code,
        ...(field !== undefined && { field }),
        ...(serviceName !== undefined && { serviceName }),
        ...(typeof retryAfter === 'number' && { retryAfter }),
      },
    };
  }
  if (typeof serviceName === 'string') {
    return { message: `The ${serviceName} service could not answer`, ...base, extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName } };
  }
  return { message: 'Internal server error', ...base, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
