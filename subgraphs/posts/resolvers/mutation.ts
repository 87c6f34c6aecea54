import { requireRole } from '../../../lib/identity/authz';
import { notFound, requireId } from '../../../lib/graphql/errors';
import { isRecordNotFound } from '../../../lib/data/prisma-errors';
import type { MutationResolvers } from '../generated/resolvers-types';
import { renderMarkdown } from '../markdown';
import * as valid from '../validation';
import { postToChange } from '../visibility';

export const Mutation: MutationResolvers = {
  createPost: async (_, { input }, { db, caller }) => {
    const authorId = requireRole(caller, ['AUTHOR', 'ADMIN'], 'write posts').id;
    const title = valid.title('input.title', input.title);
    const body = valid.body('input.body', input.body);
    const status = input.status ?? 'DRAFT';
    return db.post.create({
      data: { authorId, title, body, bodyHtml: renderMarkdown(body), status, publishedAt: status === 'PUBLISHED' ? new Date() : null },
    });
  },
  updatePost: async (_, { id, input }, context) => {
    const { db } = context;
    const postId = requireId('id', id);
    const current = await postToChange(context, postId, 'change this post');
    // Changing a post is writing: a reader (an author who was demoted) keeps their posts, and may
    // delete them, but may not rewrite or publish them. Checked after visibility, so that a draft
    // the caller may not see stays NOT_FOUND.
    requireRole(context.caller, ['AUTHOR', 'ADMIN'], 'change posts');
    const title = input.title != null ? valid.title('input.title', input.title) : undefined;
    const body = input.body != null ? valid.body('input.body', input.body) : undefined;
    // publishedAt is set when a post goes out and cleared when it goes back to draft.
    const publishing = input.status === 'PUBLISHED' && !current.publishedAt;
    const unpublishing = input.status === 'DRAFT';
    return db.post
      .update({
        where: { id: postId },
        data: {
          ...(title !== undefined && { title }),
          ...(body !== undefined && { body, bodyHtml: renderMarkdown(body) }),
          ...(input.status != null && { status: input.status }),
          ...(publishing && { publishedAt: new Date() }),
          ...(unpublishing && { publishedAt: null }),
        },
      })
      .catch((error) => {
        if (isRecordNotFound(error)) throw notFound('Post', postId);
        throw error;
      });
  },
  deletePost: async (_, { id }, context) => {
    const { db } = context;
    const postId = requireId('id', id);
    await postToChange(context, postId, 'delete this post');
    // The event is written with the deletion or not at all: media follows the feed to delete the post's media.
    await db.$transaction(async (tx) => {
      const { count } = await tx.post.deleteMany({ where: { id: postId } });
      if (count === 0) throw notFound('Post', postId);
      await tx.postEvent.create({ data: { type: 'DELETED', postId } });
    });
    return postId;
  },
};
