import { loadTypeDefs, prismaSubgraph, type PrismaSubgraphContext } from '../../lib/subgraph/server';
import { createLoaders, type PostLoaders } from './data';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

export type PostsContext = PrismaSubgraphContext<PrismaClient, PostLoaders>;

/** The posts subgraph over a database; it listens when asked. */
export const createPostsSubgraph = prismaSubgraph({
  name: 'posts',
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  extra: async (db, logger) => {
    // Daily, events older than 30 days go: a follower that has not read them by then never will.
    setInterval(() => {
      db.postEvent.deleteMany({ where: { createdAt: { lt: new Date(Date.now() - 30 * 86_400_000) } } }).then(
        ({ count }) => count && logger.info({ count }, 'purged post events'),
        (error) => logger.warn({ err: error }, 'could not purge post events'),
      );
    }, 86_400_000).unref();
    return {};
  },
});
