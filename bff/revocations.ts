import { BACKGROUND_HEADER, callSubgraph } from '../lib/identity/assertion';
import type { Logger } from '../lib/telemetry/logger';
import { setConsumerLag } from '../lib/telemetry/metrics';

/** What a BFF knows of an access token it has verified. */
export interface TokenClaims {
  sub: string;
  /** Issued at, in seconds. */
  iat: number;
  /** The sign-in (refresh-token family) it belongs to; tokens made elsewhere may have none. */
  sid?: string;
}

/**
 * Access tokens revoked before they expire (account deleted, role changed, signed out). The BFFs
 * ask only this; today it follows users' feed in memory, later an event broker and Redis.
 */
export interface Revocations {
  isRevoked(claims: TokenClaims): boolean;
  /** True once the first read at start has been tried (done, or users unreachable): a BFF is ready then. */
  loaded(): boolean;
  stop(): Promise<void>;
}

interface FeedEntry {
  position: string;
  userId: string | null;
  sessionId: string | null;
  notBefore: string;
  createdAt: string;
}

/**
 * Entries younger than this are read again on the next poll: positions are handed out when a
 * transaction inserts, not when it commits, so a slower transaction can still add one below the
 * newest seen. Reading one twice is harmless.
 */
const SETTLE_MS = 5_000;
const PAGE = 500;
const QUERY = `query BffSessionRevocations($after: String!, $since: DateTime, $first: Int!) {
  sessionRevocations(after: $after, since: $since, first: $first) { position userId sessionId notBefore createdAt }
}`;

export interface FollowRevocationsOptions {
  /** Who follows the feed (the BFF's name), as `messaging_consumer_lag_seconds` names it. */
  consumer: string;
  /** users' GraphQL endpoint. */
  usersUrl: string;
  /** Signs the BFF's anonymous assertion. */
  sign: () => Promise<string>;
  logger: Logger;
  /** How often the feed is read. `REVOCATIONS_POLL_MS`, @default 1000 */
  pollMs: number;
  /** The access tokens' lifetime: how long a revocation is kept. `ACCESS_TOKEN_TTL_SECONDS`, @default 900 */
  ttlSeconds: number;
}

/**
 * Follows users' `sessionRevocations` feed every `pollMs`, with the BFF's anonymous assertion,
 * and keeps each revocation until every token it covers has expired. At start it reads the
 * revocations of the last access-token lifetime. While users cannot be reached, what is known
 * keeps being enforced and the outage is logged once. Its lag (`messaging_consumer_lag_seconds`)
 * is the time since a poll last read the feed to its end.
 */
export function followRevocations({ consumer, usersUrl, sign, logger, pollMs: interval, ttlSeconds }: FollowRevocationsOptions): Revocations {
  /** Tokens issued before `notBefore` (seconds) are refused until `until` (ms). */
  const byUser = new Map<string, { notBefore: number; until: number }>();
  const bySession = new Map<string, { notBefore: number; until: number }>();
  let cursor = 0n;
  let since: string | undefined = new Date(Date.now() - (ttlSeconds + 60) * 1000).toISOString();
  let stopped = false;
  let failing = false;
  let tried = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let caughtUpAt = Date.now();
  const reportLag = () => setConsumerLag(consumer, 'users.session_revocations', (Date.now() - caughtUpAt) / 1000);

  function remember(map: typeof byUser, key: string, notBefore: number) {
    const known = map.get(key);
    // Kept until the last token it covers has expired, with a minute for clock skew.
    const until = (notBefore + ttlSeconds + 60) * 1000;
    if (!known || known.notBefore < notBefore) map.set(key, { notBefore, until });
  }

  function forgetExpired() {
    const now = Date.now();
    for (const map of [byUser, bySession]) for (const [key, entry] of map) if (entry.until <= now) map.delete(key);
  }

  async function poll(): Promise<void> {
    const started = Date.now();
    let added = 0;
    // Pages are read from the last entry seen; the cursor kept moves only past settled entries.
    let from = cursor;
    let settled = cursor;
    let advancing = true;
    for (;;) {
      const response = await callSubgraph(usersUrl, await sign(), QUERY, { after: String(from), since, first: PAGE }, 5_000, { [BACKGROUND_HEADER]: '1' });
      const body = (await response.json()) as { data?: { sessionRevocations: FeedEntry[] }; errors?: { message: string }[] };
      if (!body.data) throw new Error(`users answered ${response.status}: ${body.errors?.[0]?.message ?? 'no data'}`);
      const entries = body.data.sessionRevocations;
      const settleBefore = Date.now() - SETTLE_MS;
      for (const entry of entries) {
        const notBefore = Date.parse(entry.notBefore) / 1000;
        if (entry.userId) remember(byUser, entry.userId, notBefore);
        if (entry.sessionId) remember(bySession, entry.sessionId, notBefore);
        added += 1;
        if (advancing && Date.parse(entry.createdAt) < settleBefore) settled = BigInt(entry.position);
        else advancing = false;
      }
      if (entries.length > 0) from = BigInt(entries[entries.length - 1].position);
      if (entries.length < PAGE) break;
    }
    caughtUpAt = started;
    if (settled !== cursor) {
      cursor = settled;
      since = undefined; // past the start: positions alone say what is new
    }
    forgetExpired();
    logger.debug({ read: added, users: byUser.size, sessions: bySession.size }, 'read session revocations');
  }

  function schedule(delay: number) {
    if (stopped) return;
    const next = setTimeout(() => {
      running = poll().finally(reportLag).then(
        () => {
          if (failing) logger.info('following session revocations again');
          failing = false;
        },
        (error) => {
          // Once per outage, not once per poll.
          if (!failing) logger.warn({ reason: (error as Error).message }, 'cannot read session revocations from users; retrying');
          failing = true;
        },
      );
      void running.finally(() => {
        tried = true;
        schedule(interval);
      });
    }, delay);
    next.unref();
    timer = next;
  }
  schedule(0);

  return {
    isRevoked({ sub, iat, sid }) {
      const user = byUser.get(sub);
      if (user && iat < user.notBefore) return true;
      const session = sid ? bySession.get(sid) : undefined;
      return Boolean(session && iat < session.notBefore);
    },
    loaded: () => tried,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
