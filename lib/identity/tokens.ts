import { envInt, envString } from '../config/env';

/**
 * Settings of the access tokens the users subgraph issues and the BFFs verify; both sides read
 * them from the same env, so they cannot disagree.
 */
export function tokenSettings() {
  return {
    /** `iss` of every access token (`AUTH_ISSUER`, default `federated-graph/users`). */
    issuer: envString('AUTH_ISSUER', 'federated-graph/users'),
    /** `aud` of every access token (`AUTH_AUDIENCE`, default `federated-graph`). */
    audience: envString('AUTH_AUDIENCE', 'federated-graph'),
    /** Lifetime in seconds (`ACCESS_TOKEN_TTL_SECONDS`, default 900 = 15 minutes). */
    ttlSeconds: envInt('ACCESS_TOKEN_TTL_SECONDS', 900, { min: 30, max: 86_400 }),
    /** Refresh token lifetime in seconds (`REFRESH_TOKEN_TTL_SECONDS`, default 2592000 = 30 days). */
    refreshTtlSeconds: envInt('REFRESH_TOKEN_TTL_SECONDS', 30 * 86_400, { min: 60 }),
    /** Longest a sign-in lasts, however often it is refreshed (`SESSION_MAX_AGE_SECONDS`, default 90 days). */
    sessionMaxAgeSeconds: envInt('SESSION_MAX_AGE_SECONDS', 90 * 86_400, { min: 1 }),
  };
}
