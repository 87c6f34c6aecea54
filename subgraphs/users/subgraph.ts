import { loadTypeDefs, prismaSubgraph, type PrismaSubgraphContext } from '../../lib/subgraph';
import { createLoaders, type UserLoaders } from './data';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

export type UsersContext = PrismaSubgraphContext<PrismaClient, UserLoaders>;

/** The users subgraph over a database; it listens when asked. */
export const createUsersSubgraph = prismaSubgraph({
  name: 'users',
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
});
