import type { PrismaSubgraphContext } from '../../lib/subgraph/server';
import type { PostLoaders } from './data';
import type { PrismaClient } from './generated/prisma/client';

/** One request's context: posts' Prisma client and loaders, and the caller. */
export type PostsContext = PrismaSubgraphContext<PrismaClient, PostLoaders>;
