import { loadTypeDefs, prismaSubgraph, type PrismaSubgraphContext } from '../../lib/subgraph';
import { createLoaders, type MediaLoaders } from './data';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

export type MediaContext = PrismaSubgraphContext<PrismaClient, MediaLoaders>;

/** The media subgraph over a database; it listens when asked. */
export const createMediaSubgraph = prismaSubgraph({
  name: 'media',
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
});
