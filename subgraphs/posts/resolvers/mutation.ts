import { requireRole } from '../../../lib/identity/authz';
import { notFound, requireId } from '../../../lib/graphql/errors';
import { isRecordNotFound } from '../../../lib/data/prisma-errors';
import { recordEvent } from '../../../lib/events/outbox';
import type { MutationResolvers } from '../generated/resolvers-types';
import { renderMarkdown } from '../markdown';
import * as valid from '../validation';
import { postToChange } from '../visibility';
import { deletePosts } from '../data';

export const Mutation: MutationResolvers = {
  createPost: async (_, { input }, { db, caller }) => {
    const authorId = requireRole(caller, ['AUTHOR', 'ADMIN'], 'write posts').id;
    const title = valid.title('input.title', input.title);
    const body = valid.body('input.body', input.body);
    const status = input.status ?? 'DRAFT';
    return db.$transaction(async (tx) => {
      const post = await tx.post.create({
        data: { authorId, title, body, bodyHtml: renderMarkdown(body), status, publishedAt: status === 'PUBLISHED' ? new Date() : null },
      });
      if (status === 'PUBLISHED') await recordEvent(tx, 'posts', 'PostPublished', post.id, { postId: post.id, authorId });
      return post;
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
    // The status is read again under the row's lock, so that of two racing changes only the one
    // that really publishes (or unpublishes) reports it.
    return db
      .$transaction(async (tx) => {
        const [before] = await tx.$queryRaw<{ status: string }[]>`SELECT status::text FROM posts WHERE id = ${postId}::uuid FOR UPDATE`;
        const post = await tx.post.update({
          where: { id: postId },
          data: {
            ...(title !== undefined && { title }),
            ...(body !== undefined && { body, bodyHtml: renderMarkdown(body) }),
            ...(input.status != null && { status: input.status }),
            ...(publishing && { publishedAt: new Date() }),
            ...(unpublishing && { publishedAt: null }),
          },
        });
        if (before && before.status !== post.status) {
          const type = post.status === 'PUBLISHED' ? 'PostPublished' : 'PostUnpublished';
          await recordEvent(tx, 'posts', type, postId, { postId, authorId: post.authorId });
        }
        return post;
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
    await db.$transaction((tx) => deletePosts(tx, { id: postId })).then((deleted) => {
      if (deleted === 0) throw notFound('Post', postId);
    });
    return postId;
  },
};
