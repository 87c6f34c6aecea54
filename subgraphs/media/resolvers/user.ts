import type { UserResolvers } from '../generated/resolvers-types';
import { referenceId } from '../../../lib/graphql/errors';

/** The media subgraph contributes a user's avatar; users resolves the rest. */
export const User: UserResolvers = {
  avatar: (user, _, { loaders }) => {
    const id = referenceId(user.id);
    return id ? loaders.avatarOfUser.load(id) : null;
  },
};
