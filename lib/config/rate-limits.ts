import { envInt, envMs } from './env';

/** How many attempts of one kind an address has per window. */
export interface LimitSetting {
  points: number;
  windowSeconds: number;
}

/** Per-address limits of each session operation at the BFFs (bff/rate-limits.ts). */
export interface SessionLimitSettings {
  /** Failed sign-ins. `SIGN_IN_ADDRESS_LIMIT` per `SIGN_IN_ADDRESS_WINDOW_SECONDS`, @default 10 per 300 s */
  signIn: LimitSetting;
  /** Sign-ups. `SIGN_UP_ADDRESS_LIMIT` per `SIGN_UP_ADDRESS_WINDOW_SECONDS`, @default 10 per 3600 s */
  signUp: LimitSetting;
  /** Refreshes. `REFRESH_ADDRESS_LIMIT` per `REFRESH_ADDRESS_WINDOW_SECONDS`, @default 60 per 60 s */
  refreshSession: LimitSetting;
}

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

/**
 * How a BFF answers a session operation it refuses as RATE_LIMITED (bff/rate-limits.ts refusalHold):
 * the 429 is held back for half to all of `SESSION_REFUSAL_HOLD_MS` (1000; 0 answers at once), never longer
 * than its Retry-After, at most `SESSION_REFUSAL_HOLD_MAX` (1000) at once.
 */
export interface RefusalHoldSettings {
  ms: number;
  max: number;
}

export function refusalHoldConfig(): RefusalHoldSettings {
  return { ms: envMs('SESSION_REFUSAL_HOLD_MS', 1_000, { min: 0, max: 60_000 }), max: envInt('SESSION_REFUSAL_HOLD_MAX', 1_000, { min: 0, max: 100_000 }) };
}
