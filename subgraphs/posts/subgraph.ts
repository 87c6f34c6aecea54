import { loadTypeDefs, prismaSubgraph } from '../../lib/subgraph/server';
import { createLoaders, deletePosts } from './data';
import type { Prisma } from './generated/prisma/client';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/**
 * The posts subgraph: posts with their Markdown rendered at write time, drafts seen only by their
 * author and admins, and their events (PostPublished, PostUnpublished, PostDeleted) that media
 * follows. A deleted user's posts are deleted (each with its PostDeleted).
 */
export const createPostsSubgraph = prismaSubgraph({
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  events: {
    readers: ['media'],
    handlers: () => ({
      users: {
        UserDeleted: async (event, tx) => {
          const { userId } = event.payload as { userId: string };
          await deletePosts(tx as unknown as Prisma.TransactionClient, { authorId: userId });
        },
      },
    }),
  },
});
