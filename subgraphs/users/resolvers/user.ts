import { isOwnerOrAdmin } from '../../../lib/identity/authz';
import { isId } from '../../../lib/graphql/errors';
import type { UserResolvers } from '../generated/resolvers-types';

export const User: UserResolvers = {
  // A reference with a malformed id (from another subgraph's data) resolves to null, not an error.
  __resolveReference: (ref, { loaders }) => (isId(ref.id) ? loaders.user.load(ref.id.toLowerCase()) : null),
  email: (user, _, { caller }) => (isOwnerOrAdmin(caller, user.id) ? user.email : null),
};
