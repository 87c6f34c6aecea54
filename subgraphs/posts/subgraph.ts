import { loadTypeDefs, prismaSubgraph, type PrismaSubgraphContext } from '../../lib/subgraph';
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
});
