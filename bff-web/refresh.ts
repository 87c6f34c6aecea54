import type { RefreshOutcome, Sessions } from '../bff/users-client';

const MAX_REMEMBERED = 10_000;

/**
 * Spends each refresh token once, whatever the number of requests carrying it: a page that
 * sends several queries after its access token expired would otherwise spend the same token
 * several times, and users treats a second use as theft and ends the sign-in. Requests that
 * arrive together share one refresh; those that arrive within `rememberMs` get its outcome
 * (`REFRESH_REUSE_WINDOW_MS`, default 3000): long enough for requests the browser sent with the
 * old cookie before the new one arrived; a copy presented later counts as reuse and ends the sign-in.
 */
export function sharedRefresh(sessions: Sessions, rememberMs: number) {
  const inFlight = new Map<string, Promise<RefreshOutcome>>();
  const recent = new Map<string, { outcome: RefreshOutcome; until: number }>();

  return async function refresh(token: string, clientAddress?: string): Promise<RefreshOutcome> {
    const now = Date.now();
    const remembered = recent.get(token);
    if (remembered && remembered.until > now) return remembered.outcome;
    const pending = inFlight.get(token);
    if (pending) return pending;

    const promise = sessions.refresh(token, clientAddress).then((outcome) => {
      // An outage is not remembered: the next request may find users back.
      if (outcome.kind !== 'unavailable') {
        if (recent.size >= MAX_REMEMBERED) for (const [key, value] of recent) if (value.until <= now || recent.size >= MAX_REMEMBERED) recent.delete(key);
        recent.set(token, { outcome, until: Date.now() + rememberMs });
      }
      return outcome;
    });
    inFlight.set(token, promise);
    try {
      return await promise;
    } finally {
      inFlight.delete(token);
    }
  };
}
