import type { SessionLimitSettings } from '../../bff/rate-limits';
import { envInt } from './env';

/**
 * Per-address limits of session operations at the BFFs (bff/rate-limits.ts): `SIGN_IN_ADDRESS_LIMIT`
 * failed sign-ins per `SIGN_IN_ADDRESS_WINDOW_SECONDS` (10 per 300 s), `SIGN_UP_ADDRESS_LIMIT`
 * sign-ups per `SIGN_UP_ADDRESS_WINDOW_SECONDS` (10 per 3600 s), `REFRESH_ADDRESS_LIMIT` refreshes
 * per `REFRESH_ADDRESS_WINDOW_SECONDS` (60 per 60 s).
 */
export function rateLimitConfig(): SessionLimitSettings {
  return {
    signIn: { points: envInt('SIGN_IN_ADDRESS_LIMIT', 10, { min: 1 }), windowSeconds: envInt('SIGN_IN_ADDRESS_WINDOW_SECONDS', 300, { min: 1 }) },
    signUp: { points: envInt('SIGN_UP_ADDRESS_LIMIT', 10, { min: 1 }), windowSeconds: envInt('SIGN_UP_ADDRESS_WINDOW_SECONDS', 3600, { min: 1 }) },
    refreshSession: { points: envInt('REFRESH_ADDRESS_LIMIT', 60, { min: 1 }), windowSeconds: envInt('REFRESH_ADDRESS_WINDOW_SECONDS', 60, { min: 1 }) },
  };
}
