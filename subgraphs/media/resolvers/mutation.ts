import { forbidden, isOwnerOrAdmin, requireOwnerOrAdmin, requireRole, requireViewer } from '../../../lib/identity/authz';
import { notFound, requireId } from '../../../lib/graphql/errors';
import { isRecordNotFound } from '../../../lib/data/prisma-errors';
import type { MediaContext } from '../context';
import { deleteMediaFiles, mediaReady, openUpload } from '../files/uploads';
import type { MutationResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

/**
 * The media record `mediaId`, if the caller may change it. Media the caller may not even see (on a
 * draft of someone else's) is NOT_FOUND, as `media(id)` answers null for it: FORBIDDEN would
 * confirm that it exists.
 */
async function mediaToChange({ loaders, caller, posts }: Pick<MediaContext, 'loaders' | 'caller' | 'posts'>, mediaId: string, action: string) {
  requireViewer(caller, action);
  const media = await loaders.media.load(mediaId);
  if (!media) throw notFound('Media', mediaId);
  if (!isOwnerOrAdmin(caller, media.ownerId) && media.postId && !(await posts.visiblePostIds(caller, [media.postId])).has(media.postId)) {
    throw notFound('Media', mediaId);
  }
  requireOwnerOrAdmin(caller, media.ownerId, action);
  return media;
}

export const Mutation: MutationResolvers = {
  createMedia: async (_, { input }, { db, caller, posts }) => {
    // Anyone signed in may have an avatar; media on a post is for its author (or an admin),
    // which only the posts subgraph knows: it is asked, about the caller.
    const viewer =
      input.purpose === 'AVATAR' ? requireViewer(caller, 'set an avatar') : requireRole(caller, ['AUTHOR', 'ADMIN'], 'attach media to posts');
    const data = valid.newMedia(input, viewer.id);
    if (data.postId) {
      const authorId = await posts.postAuthorFor(caller, data.postId);
      if (authorId === null) throw notFound('Post', data.postId);
      if (!isOwnerOrAdmin(caller, authorId)) throw forbidden("Only the post's author or an admin can attach media to it");
    }
    return db.$transaction(async (tx) => {
      const media = await tx.media.create({ data });
      await mediaReady(tx, media);
      return media;
    });
  },
  createUpload: async (_, args, { db, caller, posts, config }) => {
    const viewer = args.postId == null ? requireViewer(caller, 'set an avatar') : requireRole(caller, ['AUTHOR', 'ADMIN'], 'attach media to posts');
    const intent = valid.uploadIntent(args, viewer.id, config.uploads);
    if (intent.postId) {
      const authorId = await posts.postAuthorFor(caller, intent.postId);
      if (authorId === null || (await db.deletedPost.findUnique({ where: { postId: intent.postId } }))) throw notFound('Post', intent.postId);
      if (!isOwnerOrAdmin(caller, authorId)) throw forbidden("Only the post's author or an admin can attach media to it");
    }
    return openUpload(db, config.uploads, intent);
  },
  updateMedia: async (_, { id, input }, context) => {
    const { db } = context;
    const mediaId = requireId('id', id);
    await mediaToChange(context, mediaId, 'change this media');
    const data = {
      ...(input.alt != null && { alt: valid.alt('input.alt', input.alt) }),
      ...(input.position != null && { position: valid.position('input.position', input.position) }),
    };
    return db.media.update({ where: { id: mediaId }, data }).catch((error) => {
      if (isRecordNotFound(error)) throw notFound('Media', mediaId);
      throw error;
    });
  },
  deleteMedia: async (_, { id }, context) => {
    const { db, store, log } = context;
    const mediaId = requireId('id', id);
    await mediaToChange(context, mediaId, 'delete this media');
    const count = await deleteMediaFiles(db, store, { id: mediaId }, log);
    if (count === 0) throw notFound('Media', mediaId);
    return mediaId;
  },
};
