import { loadTypeDefs, prismaSubgraph } from '../../lib/subgraph/server';
import type { PostsConfig } from './config';
import { createLoaders, purgePostEvents } from './data';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/**
 * The posts subgraph: posts with their Markdown rendered at write time, drafts seen only by their
 * author and admins, and the feed of post events (`Query.postEvents`) that media follows.
 */
export const createPostsSubgraph = prismaSubgraph({
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  // Daily: post events older than 30 days.
  purge: { everyMs: 86_400_000, tasks: (db, _config: PostsConfig) => ({ 'post events': () => purgePostEvents(db) }) },
});
