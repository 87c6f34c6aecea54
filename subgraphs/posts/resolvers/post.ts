import { isId } from '../../../lib/graphql/errors';
import type { PostResolvers } from '../generated/resolvers-types';
import { visible } from './visibility';

export const Post: PostResolvers = {
  __resolveReference: async (ref, { loaders, caller }) =>
    isId(ref.id) ? visible(await loaders.post.load(ref.id.toLowerCase()), caller) : null,
  // A reference only: the users subgraph resolves the rest.
  author: (post) => ({ __typename: 'User', id: post.authorId }),
};
