import { GraphQLError } from 'graphql';

/**
 * The error vocabulary every service speaks. Each error carries a stable
 * `extensions.code`; messages tell the caller how to fix the request.
 */

/** A field of the input is invalid; `field` names it (e.g. `input.title`). */
export function badInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, {
    extensions: { code: 'BAD_USER_INPUT', field },
  });
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

/** Checks an id argument before it reaches SQL, where a malformed UUID would be a server error. */
export function requireId(field: string, value: string): string {
  if (!isId(value)) throw badInput(field, `"${value}" is not a valid id`);
  return value.toLowerCase();
}
