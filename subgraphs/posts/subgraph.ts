import { loadTypeDefs, prismaSubgraph } from '../../lib/subgraph/server';
import type { PostsConfig } from './config';
import { createLoaders } from './data';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** How long post events are kept: a follower that has not read one within 30 days never will. */
const EVENT_RETENTION_MS = 30 * 86_400_000;

/** The posts subgraph over a database; it listens when asked. */
export const createPostsSubgraph = prismaSubgraph<PostsConfig, PrismaClient, ReturnType<typeof createLoaders>>({
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  purge: {
    everyMs: 86_400_000,
    tasks: (db) => ({
      'post events': async () => (await db.postEvent.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - EVENT_RETENTION_MS) } } })).count,
    }),
  },
});
