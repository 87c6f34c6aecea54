import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { isId, notFound, requireId } from '../../lib/errors';
import { afterCursor, NEWEST_FIRST, readPage, toConnection, type PageArgs } from '../../lib/pagination';
import { isRecordNotFound } from '../../lib/prisma-errors';
import { DateTime } from '../../lib/scalars';
import type { Post, PostStatus } from './data';
import { renderMarkdown } from './markdown';
import type { PostsContext } from './subgraph';
import * as valid from './validation';

interface CreatePostInput {
  authorId: string;
  title: string;
  body: string;
  status?: PostStatus | null;
}

interface UpdatePostInput {
  title?: string | null;
  body?: string | null;
  status?: PostStatus | null;
}

export const resolvers: GraphQLResolverMap<PostsContext> = {
  DateTime,
  Query: {
    post: (_, { id }: { id: string }, { loaders }) => loaders.post.load(requireId('id', id)),
    posts: async (_, args: PageArgs & { authorId?: string | null; status?: PostStatus | null }, { db }) => {
      const page = readPage(args);
      const authorId = args.authorId != null ? requireId('authorId', args.authorId) : undefined;
      const rows = await db.post.findMany({
        where: { status: args.status ?? 'PUBLISHED', ...(authorId && { authorId }), ...afterCursor(page.after) },
        orderBy: NEWEST_FIRST,
        take: page.first + 1,
      });
      return toConnection(rows, page.first);
    },
  },
  Mutation: {
    createPost: async (_, { input }: { input: CreatePostInput }, { db }) => {
      const authorId = requireId('input.authorId', input.authorId);
      const title = valid.title('input.title', input.title);
      const body = valid.body('input.body', input.body);
      const status = input.status ?? 'DRAFT';
      return db.post.create({
        data: { authorId, title, body, bodyHtml: renderMarkdown(body), status, publishedAt: status === 'PUBLISHED' ? new Date() : null },
      });
    },
    updatePost: async (_, { id, input }: { id: string; input: UpdatePostInput }, { db, loaders }) => {
      const postId = requireId('id', id);
      const title = input.title != null ? valid.title('input.title', input.title) : undefined;
      const body = input.body != null ? valid.body('input.body', input.body) : undefined;
      const current = await loaders.post.load(postId);
      if (!current) throw notFound('Post', postId);
      const publishing = input.status === 'PUBLISHED' && !current.publishedAt;
      return db.post
        .update({
          where: { id: postId },
          data: {
            ...(title !== undefined && { title }),
            ...(body !== undefined && { body, bodyHtml: renderMarkdown(body) }),
            ...(input.status != null && { status: input.status }),
            ...(publishing && { publishedAt: new Date() }),
          },
        })
        .catch((error) => {
          if (isRecordNotFound(error)) throw notFound('Post', postId);
          throw error;
        });
    },
    deletePost: async (_, { id }: { id: string }, { db }) => {
      const postId = requireId('id', id);
      const { count } = await db.post.deleteMany({ where: { id: postId } });
      if (count === 0) throw notFound('Post', postId);
      return postId;
    },
  },
  Post: {
    __resolveReference: (ref: { id: string }, { loaders }: PostsContext) => (isId(ref.id) ? loaders.post.load(ref.id.toLowerCase()) : null),
    // A reference only: the users subgraph resolves the rest.
    author: (post: Post) => ({ __typename: 'User', id: post.authorId }),
  },
  User: {
    posts: async (user: { id: string }, args: PageArgs & { status?: PostStatus | null }, { loaders }: PostsContext) => {
      if (!isId(user.id)) return null;
      const page = readPage(args);
      const rows = await loaders.postsOfAuthor.load({ authorId: user.id.toLowerCase(), status: args.status ?? 'PUBLISHED', page });
      return toConnection(rows, page.first);
    },
  },
};
