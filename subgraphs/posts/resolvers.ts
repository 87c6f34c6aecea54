import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { forbidden, isAdmin, isOwnerOrAdmin, requireOwnerOrAdmin, requireRole, requireService, requireViewer } from '../../lib/identity/authz';
import { badInput, isId, notFound, requireId } from '../../lib/graphql/errors';
import type { Caller } from '../../lib/identity/assertion';
import { afterCursor, NEWEST_FIRST, readPage, toConnection, type PageArgs } from '../../lib/graphql/pagination';
import { isRecordNotFound } from '../../lib/data/prisma-errors';
import { DateTime } from '../../lib/graphql/scalars';
import type { Post, PostStatus } from './data';
import { renderMarkdown } from './markdown';
import type { PostsContext } from './subgraph';
import * as valid from './validation';

interface CreatePostInput {
  title: string;
  body: string;
  status?: PostStatus | null;
}

interface UpdatePostInput {
  title?: string | null;
  body?: string | null;
  status?: PostStatus | null;
}

/** Drafts are seen by their author and admins only; to anyone else they do not exist. */
function visible(post: Post | null, caller: Caller): Post | null {
  return post && (post.status === 'PUBLISHED' || isOwnerOrAdmin(caller, post.authorId)) ? post : null;
}

/** A post the viewer may change, or NOT_FOUND (hidden drafts included) / FORBIDDEN. */
async function postToChange({ loaders, caller }: PostsContext, postId: string, action: string): Promise<Post> {
  requireViewer(caller, action);
  const post = visible(await loaders.post.load(postId), caller);
  if (!post) throw notFound('Post', postId);
  requireOwnerOrAdmin(caller, post.authorId, action);
  return post;
}

export const resolvers: GraphQLResolverMap<PostsContext> = {
  DateTime,
  Query: {
    postEvents: async (_, { after, first }: { after: string; first: number }, { db, caller }) => {
      requireService(caller, 'media', 'follow post events');
      if (!/^\d{1,19}$/.test(after)) throw badInput('after', 'must be a position: a decimal number');
      if (first < 1 || first > 500) throw badInput('first', 'must be between 1 and 500');
      const events = await db.postEvent.findMany({ where: { position: { gt: BigInt(after) } }, orderBy: { position: 'asc' }, take: first });
      return events.map((event) => ({ ...event, position: String(event.position) }));
    },
    post: async (_, { id }: { id: string }, { loaders, caller }) => visible(await loaders.post.load(requireId('id', id)), caller),
    posts: async (_, args: PageArgs & { authorId?: string | null; status?: PostStatus | null }, { db, caller }) => {
      const page = readPage(args);
      let authorId = args.authorId != null ? requireId('authorId', args.authorId) : undefined;
      if (args.status === 'DRAFT' && !isAdmin(caller)) {
        const viewer = requireViewer(caller, 'list drafts');
        if (authorId && authorId !== viewer.id) throw forbidden('Only the author or an admin can list these drafts');
        authorId = viewer.id;
      }
      const rows = await db.post.findMany({
        where: { status: args.status ?? 'PUBLISHED', ...(authorId && { authorId }), ...afterCursor(page.after) },
        orderBy: NEWEST_FIRST,
        take: page.first + 1,
      });
      return toConnection(rows, page.first);
    },
  },
  Mutation: {
    createPost: async (_, { input }: { input: CreatePostInput }, { db, caller }) => {
      const authorId = requireRole(caller, ['AUTHOR', 'ADMIN'], 'write posts').id;
      const title = valid.title('input.title', input.title);
      const body = valid.body('input.body', input.body);
      const status = input.status ?? 'DRAFT';
      return db.post.create({
        data: { authorId, title, body, bodyHtml: renderMarkdown(body), status, publishedAt: status === 'PUBLISHED' ? new Date() : null },
      });
    },
    updatePost: async (_, { id, input }: { id: string; input: UpdatePostInput }, context) => {
      const { db } = context;
      const postId = requireId('id', id);
      const current = await postToChange(context, postId, 'change this post');
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
    deletePost: async (_, { id }: { id: string }, context) => {
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
  },
  Post: {
    __resolveReference: async (ref: { id: string }, { loaders, caller }: PostsContext) =>
      isId(ref.id) ? visible(await loaders.post.load(ref.id.toLowerCase()), caller) : null,
    // A reference only: the users subgraph resolves the rest.
    author: (post: Post) => ({ __typename: 'User', id: post.authorId }),
  },
  User: {
    posts: async (user: { id: string }, args: PageArgs & { status?: PostStatus | null }, { loaders, caller }: PostsContext) => {
      if (!isId(user.id)) return null;
      if (args.status === 'DRAFT' && !isOwnerOrAdmin(caller, user.id.toLowerCase())) {
        throw forbidden('Only the user themself or an admin can list their drafts');
      }
      const page = readPage(args);
      const rows = await loaders.postsOfAuthor.load({ authorId: user.id.toLowerCase(), status: args.status ?? 'PUBLISHED', page });
      return toConnection(rows, page.first);
    },
  },
};
