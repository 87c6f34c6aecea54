import { referenceId } from '../../../lib/graphql/errors';
import type { PostResolvers } from '../generated/resolvers-types';
import { visible } from '../visibility';

export const Post: PostResolvers = {
  __resolveReference: async (ref, { loaders, caller }) => {
    const id = referenceId(ref.id);
    return id ? visible(await loaders.post.load(id), caller) : null;
  },
  // A reference only: the users subgraph resolves the rest.
  author: (post) => ({ __typename: 'User', id: post.authorId }),
};
