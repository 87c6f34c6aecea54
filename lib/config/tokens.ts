import { envInt, envString } from './env';

/**
 * Settings of the access tokens the users subgraph issues and the BFFs verify; both sides build
 * them with `tokenConfig()` from the same variables, so they cannot disagree.
 */
export interface TokenConfig {
  /** `iss` of every access token. `AUTH_ISSUER`, @default 'federated-graph/users' */
  issuer: string;
  /** `aud` of every access token. `AUTH_AUDIENCE`, @default 'federated-graph' */
  audience: string;
  /** Access token lifetime in seconds. `ACCESS_TOKEN_TTL_SECONDS`, @default 900 (15 minutes) */
  ttlSeconds: number;
  /** Refresh token lifetime in seconds. `REFRESH_TOKEN_TTL_SECONDS`, @default 2592000 (30 days) */
  refreshTtlSeconds: number;
  /** Longest a sign-in lasts, however often it is refreshed. `SESSION_MAX_AGE_SECONDS`, @default 7776000 (90 days) */
  sessionMaxAgeSeconds: number;
}

export function tokenConfig(): TokenConfig {
  return {
    issuer: envString('AUTH_ISSUER', 'federated-graph/users'),
    audience: envString('AUTH_AUDIENCE', 'federated-graph'),
    ttlSeconds: envInt('ACCESS_TOKEN_TTL_SECONDS', 900, { min: 30, max: 86_400 }),
    refreshTtlSeconds: envInt('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, { min: 60 }),
    sessionMaxAgeSeconds: envInt('SESSION_MAX_AGE_SECONDS', 90 * 86_400, { min: 1 }),
  };
}
