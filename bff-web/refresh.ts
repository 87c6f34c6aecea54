import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { RefreshOutcome, Sessions } from '../bff/users-client';

const MAX_REMEMBERED = 10_000;

/**
 * Spends each refresh token once, whatever the number of requests carrying it: a page that
 * sends several queries after its access token expired would otherwise spend the same token
 * several times, and users treats a second use as theft and ends the sign-in. Requests that
 * arrive together share one refresh; those that arrive within `rememberMs` get its outcome
 * (`REFRESH_REUSE_WINDOW_MS`, default 3000): long enough for requests the browser sent with the
 * old cookie before the new one arrived; a copy presented later counts as reuse and ends the sign-in.
 *
 * Behind a load balancer those requests reach different replicas: given `shared`, the window is
 * kept in Redis too (see acrossReplicas).
 */
export function sharedRefresh(sessions: Sessions, rememberMs: number, shared?: SharedWindow) {
  const spend = (token: string, clientAddress?: string) => sessions.refresh(token, clientAddress);
  const spendOnce = shared ? acrossReplicas(shared, rememberMs, spend) : spend;
  const inFlight = new Map<string, Promise<RefreshOutcome>>();
  const recent = new Map<string, { outcome: RefreshOutcome; until: number }>();

  return async function refresh(token: string, clientAddress?: string): Promise<RefreshOutcome> {
    const now = Date.now();
    const remembered = recent.get(token);
    if (remembered && remembered.until > now) return remembered.outcome;
    const pending = inFlight.get(token);
    if (pending) return pending;

    const promise = spendOnce(token, clientAddress).then((outcome) => {
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

export interface SharedWindow {
  redis: Redis;
  /** users' timeout: how long another replica's refresh may take before this one stops waiting for it. */
  timeoutMs: number;
}

const PENDING = 'pending';
const digest = (purpose: string, token: string) => createHash('sha256').update(`${purpose}\0${token}`).digest();

/**
 * The refresh window across replicas, in one Redis key per refresh token (named by its hash): the
 * first replica claims it (SET NX) and spends the token at users, then stores the outcome for
 * `rememberMs`; the others wait for that outcome and answer with the same new session. The outcome
 * holds the new tokens, so it is sealed (AES-256-GCM) with a key derived from the old token: only
 * a request that carries that token can read it, and Redis alone reveals no session. With Redis
 * unreachable, each replica spends the token on its own, as without Redis (a page whose requests
 * reach two replicas may then be signed out as a reuse).
 */
function acrossReplicas({ redis, timeoutMs }: SharedWindow, rememberMs: number, spend: Sessions['refresh']): Sessions['refresh'] {
  const claimMs = timeoutMs + 1_000;
  const seal = (token: string, outcome: RefreshOutcome) => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', digest('seal', token), iv);
    const sealed = Buffer.concat([cipher.update(JSON.stringify(outcome), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
  };
  const open = (token: string, stored: string): RefreshOutcome => {
    const bytes = Buffer.from(stored, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', digest('seal', token), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return JSON.parse(Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8')) as RefreshOutcome;
  };

  return async (token, clientAddress) => {
    const key = `bff-web:refresh:${digest('id', token).toString('hex')}`;
    const giveUpAt = Date.now() + claimMs;
    for (;;) {
      let stored: string | null = null;
      let claimed: boolean;
      try {
        claimed = (await redis.set(key, PENDING, 'PX', claimMs, 'NX')) === 'OK';
        if (!claimed) stored = await redis.get(key);
      } catch {
        return spend(token, clientAddress);
      }
      if (claimed) {
        const outcome = await spend(token, clientAddress);
        // An outage is not remembered (the next request may find users back); a lost write only
        // costs the window on other replicas.
        const remembered = outcome.kind === 'unavailable' ? redis.del(key) : redis.set(key, seal(token, outcome), 'PX', rememberMs);
        await remembered.catch(() => undefined);
        return outcome;
      }
      if (stored !== null && stored !== PENDING) {
        try {
          return open(token, stored);
        } catch {
          return { kind: 'unavailable' }; // not sealed by us: nothing to trust
        }
      }
      // Another replica is spending it (or its claim just ended): look again shortly.
      if (Date.now() >= giveUpAt) return { kind: 'unavailable' };
      await delay(25);
    }
  };
}
