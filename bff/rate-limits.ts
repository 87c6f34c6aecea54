import type { IncomingMessage } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type OperationDefinitionNode, type SelectionSetNode } from 'graphql';
import { RateLimiterRes } from 'rate-limiter-flexible';
import type { RefusalHoldSettings, SessionLimitSettings } from '../lib/config/rate-limits';
import { sharedLimiter, type Limiter, type SharedCounts } from '../lib/data/redis';
import { rateLimited } from '../lib/graphql/errors';
import { HttpError } from '../lib/http/server';

/**
 * Limits a BFF puts on session operations per client address, before anything reaches users:
 * sign-in attempts (a successful one is given back, so only failures add up), sign-ups, and
 * refreshes. users adds its own limit per account (subgraphs/users/auth/sign-in-limits.ts). In
 * memory per BFF process, or with `REDIS_URL` counted in Redis for all replicas of the BFF
 * (lib/data/redis.ts sharedLimiter, which falls back to this process's count while Redis is down).
 * A refusal is HTTP 429 with code RATE_LIMITED, `extensions.retryAfter` and `Retry-After`.
 */


/**
 * With `trustProxy` (`TRUST_PROXY=true`) one proxy stands in front and appends the address it saw
 * to X-Forwarded-For: its last entry is the client (earlier ones are whatever the client sent).
 * Otherwise the socket's address; a forged X-Forwarded-For changes nothing.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').pop()?.trim() : undefined;
  const address = forwarded || req.socket.remoteAddress || 'unknown';
  // IPv4 over an IPv6 socket ("::ffff:127.0.0.1") is the same client as plain IPv4.
  return address.startsWith('::ffff:') ? address.slice(7) : address.slice(0, 64);
}

type Kind_ = 'signIn' | 'signUp' | 'refreshSession';

export interface SessionLimits {
  /** Consumes one attempt of `kind` for `address`; throws RATE_LIMITED when none is left. */
  consume(kind: Kind_, address: string): Promise<void>;
  /** Gives back a sign-in attempt that succeeded. */
  succeeded(address: string): Promise<void>;
}

/**
 * Limiters for `settings`, in memory or, given `shared`, in Redis under the BFF's name (each BFF
 * keeps its own counts, as in memory), where a client address is stored only as its keyName.
 */
export function sessionLimits(settings: SessionLimitSettings, shared?: SharedCounts & { service: 'bff-web' | 'bff-mobile' }): SessionLimits {
  const limiter = (kind: Kind_, name: string) => {
    const { points, windowSeconds } = settings[kind];
    return sharedLimiter({ points, duration: windowSeconds, keyPrefix: shared ? `${shared.service}:${name}` : name }, shared);
  };
  const limiters: Record<Kind_, Limiter> = {
    signIn: limiter('signIn', 'sign-in'),
    signUp: limiter('signUp', 'sign-up'),
    refreshSession: limiter('refreshSession', 'refresh'),
  };
  return {
    async consume(kind, address) {
      try {
        await limiters[kind].consume(address);
      } catch (refusal) {
        if (refusal instanceof RateLimiterRes) throw refused(kind, refusal.msBeforeNext / 1000);
        throw refusal;
      }
    },
    async succeeded(address) {
      await limiters.signIn.reward(address, 1);
    },
  };
}

const WHAT: Record<Kind_, string> = {
  signIn: 'Too many failed sign-ins from this address',
  signUp: 'Too many sign-ups from this address',
  refreshSession: 'Too many session refreshes from this address',
};

/** RATE_LIMITED, answered with 429 and Retry-After however it is thrown. */
function refused(kind: Kind_, seconds: number): GraphQLError {
  const error = rateLimited(seconds, `${WHAT[kind]}; try again later`);
  const retryAfter = String(error.extensions.retryAfter);
  return new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 429, headers: new Map([['retry-after', retryAfter]]) } } });
}

/** The same refusal before GraphQL runs (bff-web's cookie refresh). */
export async function consumeOrRefuse(limits: SessionLimits, kind: Kind_, address: string): Promise<void> {
  try {
    await limits.consume(kind, address);
  } catch (error) {
    if (!(error instanceof GraphQLError) || error.extensions.code !== 'RATE_LIMITED') throw error;
    throw new HttpError(429, 'RATE_LIMITED', error.message, { 'retry-after': String(error.extensions.retryAfter) });
  }
}

/** Root fields of `operation` by name, fragments followed. */
export function rootFieldNames(document: DocumentNode, operation: OperationDefinitionNode): Set<string> {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) names.add(selection.name.value);
      else if (selection.kind === Kind.INLINE_FRAGMENT) visit(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return names;
}

/**
 * Holds refused answers back: a guesser that resends as soon as it has its 429 (fifty of them
 * did, thousands of refusals a second) sends one request per hold instead, and a refusal costs
 * the BFF and users CPU however cheap it is. A held answer is a timer and an open response,
 * nothing more: users has answered, no pool or hashing slot is taken. At most `max` are held at
 * once (beyond, an answer goes at once), none past its Retry-After, and `release()` (at stop)
 * answers every held one so that shutdown does not wait for them.
 */
export function refusalHold({ ms, max }: RefusalHoldSettings) {
  const held = new Set<() => void>();
  let stopped = false;
  return {
    /** Resolves after half to all of `wantedMs` or `ms`, whichever is shorter; at once when `max` are held or after release. */
    hold(wantedMs: number): Promise<void> {
      // Between half and all of it, at random: guessers refused together do not all come back together.
      const wait = Math.min(ms, wantedMs) * (0.5 + Math.random() / 2);
      if (stopped || wait <= 0 || held.size >= max) return Promise.resolve();
      return new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          held.delete(done);
          resolve();
        };
        const timer = setTimeout(done, wait);
        held.add(done);
      });
    },
    get held() {
      return held.size;
    },
    /** Answers every held refusal now, and holds none from here on. */
    release() {
      stopped = true;
      for (const done of [...held]) done();
    },
  };
}

export type RefusalHold = ReturnType<typeof refusalHold>;

interface LimitedContext {
  clientAddress?: string;
  session: { token?: string };
}

/**
 * The BFF side of the limits: an operation with `signIn`, `signUp` or `refreshSession` spends an
 * attempt of its client address before it runs; a sign-in that opened a session gives it back.
 * Any RATE_LIMITED error in the answer (users' per-account limit too) makes it HTTP 429 with
 * `Retry-After`, held back by `hold` (refusalHold above) before it is sent.
 */
export function sessionRateLimits<TContext extends LimitedContext>(limits: SessionLimits, hold: RefusalHold = refusalHold({ ms: 0, max: 0 })): ApolloServerPlugin<TContext> {
  const kinds: Kind_[] = ['signIn', 'signUp', 'refreshSession'];
  return {
    async serverWillStart() {
      return {
        // Run beside the drain of the HTTP server (which waits up to 10 s for in-flight requests,
        // then drops their connections), before serverWillStop: held answers go now.
        async drainServer() {
          hold.release();
        },
      };
    },
    async requestDidStart() {
      let signingIn = false;
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (operation?.operation !== 'mutation') return;
          const names = rootFieldNames(document, operation);
          const address = contextValue.clientAddress ?? 'unknown';
          for (const kind of kinds) if (names.has(kind)) await limits.consume(kind, address);
          signingIn = names.has('signIn');
        },
        async willSendResponse({ contextValue, response }) {
          if (signingIn && contextValue.session.token) await limits.succeeded(contextValue.clientAddress ?? 'unknown');
          if (response.body.kind !== 'single') return;
          const waits = (response.body.singleResult.errors ?? [])
            .filter((error) => error.extensions?.code === 'RATE_LIMITED')
            .map((error) => Number(error.extensions?.retryAfter) || 1);
          if (waits.length === 0) return;
          response.http.status = 429;
          response.http.headers.set('retry-after', String(Math.max(...waits)));
          await hold.hold(Math.max(...waits) * 1000);
        },
      };
    },
  };
}
