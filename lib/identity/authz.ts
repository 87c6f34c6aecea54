import { GraphQLError } from 'graphql';
import type { Caller, Role, Viewer } from './assertion';

/** Authorisation checks the subgraphs share; each subgraph decides what needs which. */

export function unauthenticated(action: string): GraphQLError {
  return new GraphQLError(`Sign in to ${action}`, { extensions: { code: 'UNAUTHENTICATED' } });
}

export function forbidden(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

/** The signed-in viewer, or UNAUTHENTICATED. */
export function requireViewer(caller: Caller, action: string): Viewer {
  if (!caller.viewer) throw unauthenticated(action);
  return caller.viewer;
}

/** The signed-in viewer if their role is one of `roles`, else UNAUTHENTICATED or FORBIDDEN. */
export function requireRole(caller: Caller, roles: readonly Role[], action: string): Viewer {
  const viewer = requireViewer(caller, action);
  if (!roles.includes(viewer.role)) throw forbidden(`Only ${roles.join(' or ')} accounts can ${action}`);
  return viewer;
}

export function isAdmin(caller: Caller): boolean {
  return caller.viewer?.role === 'ADMIN';
}

/** True when the viewer is `ownerId` or an admin. */
export function isOwnerOrAdmin(caller: Caller, ownerId: string): boolean {
  return caller.viewer?.id === ownerId || isAdmin(caller);
}

/** The viewer if they are `ownerId` or an admin, else UNAUTHENTICATED or FORBIDDEN. */
export function requireOwnerOrAdmin(caller: Caller, ownerId: string, action: string): Viewer {
  const viewer = requireViewer(caller, action);
  if (!isOwnerOrAdmin(caller, ownerId)) throw forbidden(`Only its owner or an admin can ${action}`);
  return viewer;
}

/**
 * For service-to-service fields: the caller must be one of the services `names` itself (an
 * assertion it signed with no user in it), not a gateway acting for a client.
 */
export function requireService(caller: Caller, names: string | readonly string[], action: string): void {
  const services = typeof names === 'string' ? [names] : names;
  if (caller.viewer || !services.includes(caller.client)) throw forbidden(`Only the ${services.join(' or ')} service can ${action}`);
}
