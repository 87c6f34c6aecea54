import type { PostResolvers } from '../generated/resolvers-types';
import { referenceId } from '../../../lib/graphql/errors';

/** The media subgraph contributes a post's media; posts resolves the rest. */
export const Post: PostResolvers = {
  media: (post, _, { loaders }) => {
    const id = referenceId(post.id);
    return id ? loaders.mediaOfPost.load(id) : null;
  },
  coverImage: async (post, _, { loaders }) => {
    const id = referenceId(post.id);
    return id ? ((await loaders.mediaOfPost.load(id)).find((m) => m.kind === 'IMAGE') ?? null) : null;
  },
};
