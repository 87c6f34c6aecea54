import { RateLimiterRes } from 'rate-limiter-flexible';
import { sharedLimiter, type SharedCounts } from '../../../lib/data/redis';
import { rateLimited } from '../../../lib/graphql/errors';

/**
 * What keeps password guessing from locking anyone else out. The BFFs limit attempts per client
 * address (bff/rate-limits.ts); users, which knows the account, adds:
 *
 * - a limit per account: `SIGN_IN_ACCOUNT_LIMIT` failed sign-ins per
 *   `SIGN_IN_ACCOUNT_WINDOW_SECONDS` (10 per 900 s); an attempt takes a point before its password
 *   is hashed (so concurrent guesses cannot overtake the count) and a success clears them. It
 *   does not apply from an address the account has signed in (or up) from before, so guessers
 *   cannot lock the owner out of their usual address (like OWASP's device cookies);
 * - bounded hashing: at most `PASSWORD_HASH_CONCURRENCY` scrypt runs at once (2; each holds one
 *   of libuv's 4 threads and 32 MiB), at most one fewer of them (and at least one) for the other lane, and at most `PASSWORD_HASH_QUEUE` waiting per lane, in the
 *   other lane each for at most `PASSWORD_HASH_MAX_WAIT_MS` (1500, under the BFFs' 2 s subgraph
 *   timeout), else a fast RATE_LIMITED: a refused guess is an answer, never a timeout that opens
 *   a BFF's breaker;
 * - two lanes: an account signing in from an address it has signed in from before goes first,
 *   so guessers (who never succeed) queue only behind each other, and returning users wait at
 *   most for the hashes already running.
 *
 * The per-account count is in memory per users process, or with `REDIS_URL` in Redis for all of
 * users' replicas (falling back to this process's count while Redis is down). The hash queue
 * stays per process (it paces this process's CPU), and so do the known addresses: a returning
 * user whose sign-in lands on a replica that has not seen them sign in is treated as coming from a
 * new address (the account limit applies, and the other lane).
 */
export type Lane = 'known' | 'other';

interface Waiting {
  start: () => void;
  reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
}

const busy = () => rateLimited(1, 'Too many sign-ins at once; try again shortly');

/**
 * Runs password hashes `concurrency` at a time; the `known` lane is served first, and the other
 * lane never holds more than `concurrency - 1` (at least 1) of them, so guesses leave a core to
 * everything else (the event loop, the database, returning users' hashes).
 */
export class HashQueue {
  private active = 0;
  private activeOther = 0;
  private readonly otherLimit: number;
  private readonly lanes: Record<Lane, Waiting[]> = { known: [], other: [] };
  /** When the other lane may start its next hash (ms since the epoch). */
  private otherNextAt = 0;
  private wake?: NodeJS.Timeout;

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly maxWaitMs: number,
    /**
     * Hashes the other lane may start per second. One slot held back is not enough on a small
     * machine: a guess hashed back to back keeps a whole core busy, and a returning user's hash
     * then shares the other core with the BFF, the database and the guessers' own requests.
     * Paced, guesses take a bounded share of CPU whatever their number (at 2 per second about a
     * third of one core); the rest wait in the queue or are refused as busy.
     */
    private readonly otherPerSecond = Infinity,
  ) {
    this.otherLimit = Math.max(1, concurrency - 1);
  }

  run<T>(lane: Lane, task: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.active += 1;
        if (lane === 'other') {
          this.activeOther += 1;
          this.otherNextAt = Date.now() + 1000 / this.otherPerSecond;
        }
        task().then(resolve, reject).finally(() => {
          this.active -= 1;
          if (lane === 'other') this.activeOther -= 1;
          this.next();
        });
      };
      if (this.mayStart(lane)) return start();
      const queue = this.lanes[lane];
      if (queue.length >= this.maxQueued) return reject(busy());
      // Only the other lane gives up waiting: the known one holds returning users, whom guessers
      // cannot join, and who would rather wait than be sent away by an overloaded machine.
      const waiting: Waiting = {
        start,
        reject,
        timer:
          lane === 'other'
            ? setTimeout(() => {
                queue.splice(queue.indexOf(waiting), 1);
                reject(busy());
              }, this.maxWaitMs)
            : undefined,
      };
      queue.push(waiting);
      this.next();
    });
  }

  private mayStart(lane: Lane): boolean {
    if (this.active >= this.concurrency) return false;
    return lane === 'known' || (this.activeOther < this.otherLimit && Date.now() >= this.otherNextAt);
  }

  private next() {
    const lane: Lane | undefined = this.lanes.known.length ? 'known' : this.lanes.other.length && this.mayStart('other') ? 'other' : undefined;
    if (lane && this.mayStart(lane)) {
      const waiting = this.lanes[lane].shift()!;
      clearTimeout(waiting.timer);
      waiting.start();
    }
    // A paced guess waiting with a free slot: look again when its turn comes.
    if (this.lanes.other.length && !this.wake && this.active < this.concurrency && this.activeOther < this.otherLimit) {
      const wake = setTimeout(() => {
        this.wake = undefined;
        this.next();
      }, Math.max(1, this.otherNextAt - Date.now()));
      wake.unref();
      this.wake = wake;
    }
  }
}

/** Accounts and the addresses they signed in from, for 30 days, at most 100,000 pairs. */
const KNOWN_MS = 30 * 86_400_000;
const MAX_KNOWN = 100_000;

/** The limits above, from the users config (subgraphs/users/config.ts gives each variable and default). */
export interface SignInLimitSettings {
  accountLimit: number;
  accountWindowSeconds: number;
  hashConcurrency: number;
  hashQueue: number;
  hashMaxWaitMs: number;
  hashOtherPerSecond: number;
}

/** `shared`: the per-account count in Redis, where an account's email is stored only as its keyName. */
export function signInLimits(settings: SignInLimitSettings, shared?: SharedCounts) {
  const perAccount = sharedLimiter(
    { points: settings.accountLimit, duration: settings.accountWindowSeconds, keyPrefix: shared ? 'users:sign-in-account' : 'sign-in-account' },
    shared,
  );
  const hashing = new HashQueue(settings.hashConcurrency, settings.hashQueue, settings.hashMaxWaitMs, settings.hashOtherPerSecond);
  const known = new Map<string, number>();
  const pair = (account: string, address: string | undefined) => `${account}\n${address ?? ''}`;

  return {
    hashing,
    /** Takes an attempt of `account`, or throws RATE_LIMITED with the seconds until the next. */
    async attempt(account: string): Promise<void> {
      try {
        await perAccount.consume(account);
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) throw rateLimited(refusal.msBeforeNext / 1000, 'Too many failed sign-ins for this account; try again later');
        throw refusal;
      }
    },
    /** Gives back an attempt that was never tried (refused as busy before its hash ran). */
    async untried(account: string): Promise<void> {
      await perAccount.reward(account, 1);
    },
    lane(account: string, address: string | undefined): Lane {
      const until = known.get(pair(account, address));
      return until !== undefined && until > Date.now() ? 'known' : 'other';
    },
    /** The right password (or a new account): its failures are forgotten and this address is known for it. */
    async succeeded(account: string, address: string | undefined): Promise<void> {
      await perAccount.delete(account);
      const key = pair(account, address);
      known.delete(key);
      if (known.size >= MAX_KNOWN) known.delete(known.keys().next().value!);
      known.set(key, Date.now() + KNOWN_MS);
    },
  };
}

export type SignInLimits = ReturnType<typeof signInLimits>;
