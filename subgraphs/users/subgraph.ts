import { connectRedis, disconnectRedis, keyNames } from '../../lib/data/redis';
import { loadTypeDefs, prismaSubgraph } from '../../lib/subgraph/server';
import { purgeRefreshTokens } from './auth/refresh-tokens';
import { purgeRevocations } from './auth/revocations';
import { signInLimits } from './auth/sign-in-limits';
import { createTokenIssuer } from './auth/tokens';
import type { UsersConfig } from './config';
import type { UsersServices } from './context';
import { createLoaders } from './data';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/** The users subgraph: accounts, sign-in, and the access tokens' public keys at /.well-known/jwks.json. */
export const createUsersSubgraph = prismaSubgraph({
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  services: async (_db, config: UsersConfig, logger): Promise<UsersServices> => {
    const { url } = config.redis;
    const redis = url ? connectRedis({ ...config.redis, url }, logger) : undefined;
    return {
      tokens: await createTokenIssuer(config),
      // Emails are named in Redis by an HMAC under users' signing key, shared by the replicas.
      signInLimits: signInLimits(config.signInLimits, redis && { client: redis, keyName: await keyNames(config.signingKey) }),
      redis,
      config: { signUpRole: config.signUpRole, tokens: config.tokens },
    };
  },
  stop: async ({ redis }) => {
    if (redis) await disconnectRedis(redis);
  },
  // Hourly: expired and long-revoked refresh tokens, and revocations whose tokens have all expired.
  purge: {
    everyMs: 3_600_000,
    tasks: (db, config) => ({
      'refresh tokens': () => purgeRefreshTokens(db),
      'session revocations': () => purgeRevocations(db, config.tokens.ttlSeconds),
    }),
  },
  // Its events (UserDeleted, UserRoleChanged, UserProfileChanged) are followed by posts and media.
  events: { readers: ['posts', 'media'] },
  publicRoutes: ({ tokens }) => ({
    '/.well-known/jwks.json': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
      res.end(JSON.stringify(tokens.jwks));
    },
  }),
});
