import { isOwnerOrAdmin } from '../../../lib/identity/authz';
import { referenceId } from '../../../lib/graphql/errors';
import type { UserResolvers } from '../generated/resolvers-types';

export const User: UserResolvers = {
  // A reference with a malformed id (from another subgraph's data) resolves to null, not an error.
  __resolveReference: (ref, { loaders }) => {
    const id = referenceId(ref.id);
    return id ? loaders.user.load(id) : null;
  },
  email: (user, _, { caller }) => (isOwnerOrAdmin(caller, user.id) ? user.email : null),
};
