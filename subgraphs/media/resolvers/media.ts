import type { MediaResolvers } from '../generated/resolvers-types';
import { referenceId } from '../../../lib/graphql/errors';

export const Media: MediaResolvers = {
  __resolveReference: (ref, { loaders }) => {
    const id = referenceId(ref.id);
    return id ? loaders.media.load(id) : null;
  },
  owner: (media) => ({ __typename: 'User', id: media.ownerId }),
  post: (media) => (media.postId ? { __typename: 'Post', id: media.postId } : null),
  url: (media, { size }, { config }) =>
    `${config.publicUrl}/media/${media.id}/${media.kind === 'IMAGE' ? size.toLowerCase() : 'original'}`,
};
