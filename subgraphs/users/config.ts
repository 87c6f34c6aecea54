import type { JWK } from 'jose';
import { envEnum, envInt, envString, envMs } from '../../lib/config/env';
import { subgraphConfig, type SubgraphConfig } from '../../lib/config/subgraph';
import { keySource } from '../../lib/config/keys';
import { parsePublicKeys, type KeySource } from '../../lib/identity/keys';
import { redisConfig, type RedisConfig } from '../../lib/config/redis';
import { tokenConfig, type TokenConfig } from '../../lib/config/tokens';
import type { SignInLimitSettings } from './auth/sign-in-limits';

/** Everything the users subgraph reads from its environment, read once at start (README.md lists each). */
export interface UsersConfig extends SubgraphConfig {
  /** `SIGNUP_ROLE`: the role of a new account, READER or AUTHOR (default). Admins are made by admins. */
  signUpRole: 'READER' | 'AUTHOR';
  /** `AUTH_ISSUER`, `AUTH_AUDIENCE`, `ACCESS_TOKEN_TTL_SECONDS`, `REFRESH_TOKEN_TTL_SECONDS`, `SESSION_MAX_AGE_SECONDS`. */
  tokens: TokenConfig;
  /** `AUTH_PREVIOUS_PUBLIC_KEYS`: public keys of rotated-out signing keys, still published in the JWKS. */
  previousPublicKeys: JWK[];
  /** `AUTH_SIGNING_KEY` (a private EC P-256 JWK; required in production): what access tokens are signed with. */
  signingKey: KeySource;
  /** `SIGN_IN_ACCOUNT_LIMIT` (10) per `SIGN_IN_ACCOUNT_WINDOW_SECONDS` (900), `PASSWORD_HASH_*`. */
  signInLimits: SignInLimitSettings;
  /** `REDIS_URL`, `REDIS_TIMEOUT_MS`: the per-account sign-in limit shared by replicas. */
  redis: RedisConfig;
}

export function loadUsersConfig(): UsersConfig {
  const previous = envString('AUTH_PREVIOUS_PUBLIC_KEYS');
  return {
    ...subgraphConfig('users'),
    signUpRole: envEnum('SIGNUP_ROLE', ['READER', 'AUTHOR'] as const, 'AUTHOR'),
    tokens: tokenConfig(),
    previousPublicKeys: previous ? parsePublicKeys(previous, 'AUTH_PREVIOUS_PUBLIC_KEYS') : [],
    signingKey: keySource('AUTH_SIGNING_KEY', 'users-signing.jwk.json'),
    signInLimits: {
      accountLimit: envInt('SIGN_IN_ACCOUNT_LIMIT', 10, { min: 1 }),
      accountWindowSeconds: envInt('SIGN_IN_ACCOUNT_WINDOW_SECONDS', 900, { min: 1 }),
      hashConcurrency: envInt('PASSWORD_HASH_CONCURRENCY', 2, { min: 1, max: 64 }),
      hashQueue: envInt('PASSWORD_HASH_QUEUE', 32, { min: 0 }),
      hashMaxWaitMs: envMs('PASSWORD_HASH_MAX_WAIT_MS', 1_500, { min: 1 }),
      hashOtherPerSecond: envInt('PASSWORD_HASH_OTHER_PER_SECOND', 2, { min: 1, max: 1000 }),
    },
    redis: redisConfig(),
  };
}
