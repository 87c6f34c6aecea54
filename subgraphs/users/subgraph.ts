import { loadTypeDefs, prismaSubgraph, type PrismaSubgraphContext } from '../../lib/subgraph/server';
import { createLoaders, type UserLoaders } from './data';
import { PrismaClient } from './generated/prisma/client';
import { resolvers } from './resolvers';
import { purgeRefreshTokens } from './refresh-tokens';
import { purgeRevocations } from './revocations';
import { signInLimitsFromEnv, type SignInLimits } from './sign-in-limits';
import { tokenSettings } from '../../lib/identity/tokens';
import { createTokenIssuer, type TokenIssuer } from './tokens';

export const typeDefs = loadTypeDefs(__dirname);

export type UsersContext = PrismaSubgraphContext<PrismaClient, UserLoaders, { tokens: TokenIssuer; signInLimits: SignInLimits }>;

/** The users subgraph: accounts, sign-in, and the access tokens' public keys at /.well-known/jwks.json. */
export const createUsersSubgraph = prismaSubgraph({
  name: 'users',
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  extra: async (db, logger) => {
    // Hourly, expired and long-revoked refresh tokens go, and revocations whose tokens have all
    // expired; the timer never keeps the process alive.
    const { ttlSeconds } = tokenSettings();
    setInterval(() => {
      purgeRefreshTokens(db).then(
        (count) => count && logger.info({ count }, 'purged refresh tokens'),
        (error) => logger.warn({ err: error }, 'could not purge refresh tokens'),
      );
      purgeRevocations(db, ttlSeconds).then(
        (count) => count && logger.info({ count }, 'purged session revocations'),
        (error) => logger.warn({ err: error }, 'could not purge session revocations'),
      );
    }, 3_600_000).unref();
    return { tokens: await createTokenIssuer(), signInLimits: signInLimitsFromEnv() };
  },
  routes: ({ tokens }) => ({
    '/.well-known/jwks.json': (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
      res.end(JSON.stringify(tokens.jwks));
    },
  }),
});
