import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { envString } from '../../lib/config/env';
import { forbidden, requireOwnerOrAdmin, requireRole, requireViewer } from '../../lib/identity/authz';
import { isId, notFound, requireId } from '../../lib/graphql/errors';
import { afterCursor, encodeCursor, NEWEST_FIRST, readPage, toConnection, type Page, type PageArgs } from '../../lib/graphql/pagination';
import { isRecordNotFound } from '../../lib/data/prisma-errors';
import { DateTime } from '../../lib/graphql/scalars';
import type { Media } from './data';
import { postAuthorFor, visiblePostIds } from './posts-api';
import type { MediaContext } from './subgraph';
import { deleteMediaFiles, openUpload } from './uploads';
import * as valid from './validation';

/**
 * Prefix of every media URL: empty by default, so URLs are paths on whichever origin serves
 * the graph (the BFFs proxy them). `MEDIA_PUBLIC_URL` sets an absolute origin (a CDN).
 */
const PUBLIC_URL = envString('MEDIA_PUBLIC_URL', '').replace(/\/$/, '');

const referenceId = (id: string) => (isId(id) ? id.toLowerCase() : null);

/** The media record if the viewer owns it or is an admin; NOT_FOUND, UNAUTHENTICATED or FORBIDDEN otherwise. */
async function mediaToChange(loaders: MediaContext['loaders'], caller: MediaContext['caller'], mediaId: string, action: string) {
  requireViewer(caller, action);
  const media = await loaders.media.load(mediaId);
  if (!media) throw notFound('Media', mediaId);
  requireOwnerOrAdmin(caller, media.ownerId, action);
  return media;
}

/** Rows read per step while filling a page, and the most one page may read past hidden rows. */
const SCAN_BATCH = 200;
const SCAN_LIMIT = 2_000;

/**
 * A page of media the caller may see: hidden rows (media of posts the caller may not see, which
 * only posts knows) are skipped before the page is cut, so its nodes, cursors, `hasNextPage` and
 * `endCursor` are those of visible rows only and say nothing of hidden ones. Rows are read in
 * batches of SCAN_BATCH, posts asked once per batch. Past SCAN_LIMIT rows read, the page ends
 * short with `hasNextPage` and an end cursor at the last row read: cursors are sealed (see
 * lib/graphql/pagination.ts), so even a cursor at a hidden row reveals nothing, and paging stays bounded.
 */
async function visiblePage(db: MediaContext['db'], caller: MediaContext['caller'], where: { ownerId?: string; postId?: string }, page: Page) {
  const wanted = page.first + 1;
  const shown: Media[] = [];
  let after = page.after;
  let scanned = 0;
  for (;;) {
    const take = Math.min(SCAN_BATCH, Math.max(wanted - shown.length, 20));
    const rows = await db.media.findMany({ where: { ...where, ...afterCursor(after) }, orderBy: NEWEST_FIRST, take });
    const visible =
      caller.viewer?.role === 'ADMIN' ? null : await visiblePostIds(caller, rows.flatMap((row) => (row.postId ? [row.postId] : [])));
    for (const row of rows) {
      if (!row.postId || !visible || visible.has(row.postId)) shown.push(row);
      if (shown.length === wanted) return toConnection(shown, page.first);
    }
    scanned += rows.length;
    if (rows.length < take) return toConnection(shown, page.first);
    after = rows[rows.length - 1];
    if (scanned >= SCAN_LIMIT) {
      const connection = toConnection(shown, page.first);
      return { ...connection, pageInfo: { hasNextPage: true, endCursor: encodeCursor(after) } };
    }
  }
}

export const resolvers: GraphQLResolverMap<MediaContext> = {
  DateTime,
  Query: {
    // Media on a post the caller may not see (a draft) is hidden like the post itself.
    media: async (_, { id }: { id: string }, { loaders, caller }) => {
      const media = await loaders.media.load(requireId('id', id));
      if (!media?.postId) return media;
      return (await visiblePostIds(caller, [media.postId])).has(media.postId) ? media : null;
    },
    mediaList: async (_, args: PageArgs & { ownerId?: string | null; postId?: string | null }, { db, caller }) => {
      const page = readPage(args);
      const ownerId = args.ownerId != null ? requireId('ownerId', args.ownerId) : undefined;
      const postId = args.postId != null ? requireId('postId', args.postId) : undefined;
      // The media of one post the caller may not see: an empty page, as for a post with none.
      if (postId && caller.viewer?.role !== 'ADMIN' && !(await visiblePostIds(caller, [postId])).has(postId)) return toConnection([], page.first);
      return visiblePage(db, caller, { ...(ownerId && { ownerId }), ...(postId && { postId }) }, page);
    },
  },
  Mutation: {
    createMedia: async (_, { input }: { input: valid.CreateMediaInput }, { db, caller }) => {
      // Anyone signed in may have an avatar; media on a post is for its author (or an admin),
      // which only the posts subgraph knows: it is asked, as the caller.
      const viewer =
        input.purpose === 'AVATAR' ? requireViewer(caller, 'set an avatar') : requireRole(caller, ['AUTHOR', 'ADMIN'], 'attach media to posts');
      const data = valid.newMedia(input, viewer.id);
      if (data.postId) {
        const authorId = await postAuthorFor(caller, data.postId);
        if (authorId === null) throw notFound('Post', data.postId);
        if (authorId !== viewer.id && viewer.role !== 'ADMIN') throw forbidden("Only the post's author or an admin can attach media to it");
      }
      return db.media.create({ data });
    },
    createUpload: async (_, args: valid.CreateUploadArgs, { db, caller, uploads }) => {
      const viewer = args.postId == null ? requireViewer(caller, 'set an avatar') : requireRole(caller, ['AUTHOR', 'ADMIN'], 'attach media to posts');
      const intent = valid.uploadIntent(args, viewer.id, uploads);
      if (intent.postId) {
        const authorId = await postAuthorFor(caller, intent.postId);
        if (authorId === null || (await db.deletedPost.findUnique({ where: { postId: intent.postId } }))) throw notFound('Post', intent.postId);
        if (authorId !== viewer.id && viewer.role !== 'ADMIN') throw forbidden("Only the post's author or an admin can attach media to it");
      }
      return openUpload(db, uploads, intent);
    },
    updateMedia: async (_, { id, input }: { id: string; input: { alt?: string | null; position?: number | null } }, { db, loaders, caller }) => {
      const mediaId = requireId('id', id);
      await mediaToChange(loaders, caller, mediaId, 'change this media');
      const data = {
        ...(input.alt != null && { alt: valid.alt('input.alt', input.alt) }),
        ...(input.position != null && { position: valid.position('input.position', input.position) }),
      };
      return db.media.update({ where: { id: mediaId }, data }).catch((error) => {
        if (isRecordNotFound(error)) throw notFound('Media', mediaId);
        throw error;
      });
    },
    deleteMedia: async (_, { id }: { id: string }, { db, loaders, caller, store, log }) => {
      const mediaId = requireId('id', id);
      await mediaToChange(loaders, caller, mediaId, 'delete this media');
      const count = await deleteMediaFiles(db, store, { id: mediaId }, log);
      if (count === 0) throw notFound('Media', mediaId);
      return mediaId;
    },
  },
  Media: {
    __resolveReference: (ref: { id: string }, { loaders }: MediaContext) => {
      const id = referenceId(ref.id);
      return id ? loaders.media.load(id) : null;
    },
    owner: (media: Media) => ({ __typename: 'User', id: media.ownerId }),
    post: (media: Media) => (media.postId ? { __typename: 'Post', id: media.postId } : null),
    url: (media: Media, { size }: { size: string }) =>
      `${PUBLIC_URL}/media/${media.id}/${media.kind === 'IMAGE' ? size.toLowerCase() : 'original'}`,
  },
  Post: {
    media: (post: { id: string }, _: unknown, { loaders }: MediaContext) => {
      const id = referenceId(post.id);
      return id ? loaders.mediaOfPost.load(id) : null;
    },
    coverImage: async (post: { id: string }, _: unknown, { loaders }: MediaContext) => {
      const id = referenceId(post.id);
      return id ? ((await loaders.mediaOfPost.load(id)).find((m) => m.kind === 'IMAGE') ?? null) : null;
    },
  },
  User: {
    avatar: (user: { id: string }, _: unknown, { loaders }: MediaContext) => {
      const id = referenceId(user.id);
      return id ? loaders.avatarOfUser.load(id) : null;
    },
  },
};
