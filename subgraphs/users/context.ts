import type { Redis } from 'ioredis';
import type { PrismaSubgraphContext } from '../../lib/subgraph/server';
import type { SignInLimits } from './auth/sign-in-limits';
import type { TokenIssuer } from './auth/tokens';
import type { UsersConfig } from './config';
import type { UserLoaders } from './data';
import type { PrismaClient } from './generated/prisma/client';

/** What users' resolvers get besides the database: made once at start (subgraph.ts). */
export interface UsersServices {
  tokens: TokenIssuer;
  signInLimits: SignInLimits;
  /** Where the sign-in limits are shared with the other replicas (`REDIS_URL`); closed at stop. */
  redis?: Redis;
  config: Pick<UsersConfig, 'signUpRole' | 'tokens'>;
}

/** One request's context: users' Prisma client and loaders, the caller, and the services above. */
export type UsersContext = PrismaSubgraphContext<PrismaClient, UserLoaders, UsersServices>;
