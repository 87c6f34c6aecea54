import { isAdmin } from '../../../lib/identity/authz';
import { requireId } from '../../../lib/graphql/errors';
import { readPage, toConnection } from '../../../lib/graphql/pagination';
import type { QueryResolvers } from '../generated/resolvers-types';
import { visiblePage } from '../visible-page';

export const Query: QueryResolvers = {
  // Media on a post the caller may not see (a draft) is hidden like the post itself.
  media: async (_, { id }, { loaders, caller, posts }) => {
    const media = await loaders.media.load(requireId('id', id));
    if (!media?.postId) return media;
    return (await posts.visiblePostIds(caller, [media.postId])).has(media.postId) ? media : null;
  },
  mediaList: async (_, args, { db, caller, posts }) => {
    const page = readPage(args, 'media');
    const ownerId = args.ownerId != null ? requireId('ownerId', args.ownerId) : undefined;
    const postId = args.postId != null ? requireId('postId', args.postId) : undefined;
    // The media of one post the caller may not see: an empty page, as for a post with none.
    if (postId && !isAdmin(caller) && !(await posts.visiblePostIds(caller, [postId])).has(postId)) return toConnection([], page.first, 'media');
    return visiblePage(db, posts, caller, { ...(ownerId && { ownerId }), ...(postId && { postId }) }, page);
  },
};
