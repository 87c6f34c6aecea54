import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import pino from 'pino';
import { refusalHold, sessionLimits, sessionRateLimits } from '../../bff/rate-limits';
import { rateLimited } from '../../lib/graphql/errors';
import { createHttpServer, createRequestHandler, listen, serve } from '../../lib/http/server';

/**
 * The BFFs' tarpit (bff/rate-limits.ts refusalHold): a refused session operation's 429 is held
 * back, bounded in time and in number, and a server that stops answers the held ones at once.
 */
describe('refusalHold', () => {
  const timed = (hold: ReturnType<typeof refusalHold>, wanted: number) => {
    const started = performance.now();
    return hold.hold(wanted).then(() => performance.now() - started);
  };

  it('holds for half to all of its own time, never more than `max` at once', async () => {
    const hold = refusalHold({ ms: 200, max: 2 });
    const [first, second, third, none] = [timed(hold, 60_000), timed(hold, 60_000), timed(hold, 60_000), timed(hold, 0)];
    expect(hold.held).toBe(2);
    expect(await third).toBeLessThan(50);
    expect(await none).toBeLessThan(50);
    expect(await first).toBeGreaterThanOrEqual(99);
    expect(await second).toBeGreaterThanOrEqual(99);
    expect(hold.held).toBe(0);
  });

  it('never longer than the wanted time (the Retry-After)', async () => {
    const hold = refusalHold({ ms: 60_000, max: 10 });
    const held = await timed(hold, 200);
    expect(held).toBeGreaterThanOrEqual(99);
    expect(held).toBeLessThan(1_000);
  });

  it('0 ms answers at once', async () => {
    const hold = refusalHold({ ms: 0, max: 10 });
    const pending = hold.hold(1_000);
    expect(hold.held).toBe(0);
    await pending;
  });

  it('release() answers every held refusal now and holds none after', async () => {
    const hold = refusalHold({ ms: 60_000, max: 10 });
    const held = [hold.hold(60_000), hold.hold(60_000)];
    expect(hold.held).toBe(2);
    hold.release();
    await Promise.all(held);
    const started = performance.now();
    await hold.hold(60_000);
    expect(performance.now() - started).toBeLessThan(50);
    expect(hold.held).toBe(0);
  });
});

describe('a server holding refusals', () => {
  const typeDefs = 'type Query { ok: Boolean } type Mutation { signIn: Boolean }';
  // users' per-account refusal, as it reaches the BFF: RATE_LIMITED with a long Retry-After.
  const resolvers = { Mutation: { signIn: () => Promise.reject(rateLimited(600, 'Too many failed sign-ins for this account; try again later')) } };

  async function start(holdMs: number) {
    const httpServer = createHttpServer();
    const hold = refusalHold({ ms: holdMs, max: 10 });
    const limits = sessionLimits({ signIn: { points: 100, windowSeconds: 60 }, signUp: { points: 100, windowSeconds: 60 }, refreshSession: { points: 100, windowSeconds: 60 } });
    const apollo = new ApolloServer<{ clientAddress: string; session: { token?: string } }>({
      typeDefs,
      resolvers,
      plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), sessionRateLimits(limits, hold)],
    });
    await apollo.start();
    serve(httpServer, createRequestHandler({ apollo, logger: pino({ level: 'silent' }), context: async () => ({ clientAddress: '192.0.2.1', session: {} }), ready: async () => true }));
    const port = await listen(httpServer, 0, '127.0.0.1');
    const signIn = async () => {
      const started = performance.now();
      const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'mutation { signIn }' }),
      });
      const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
      return { status: response.status, retryAfter: response.headers.get('retry-after'), code: body.errors?.[0]?.extensions?.code, ms: performance.now() - started };
    };
    return { apollo, hold, signIn };
  }

  it('sends the 429 with its Retry-After after the hold', async () => {
    const { apollo, signIn } = await start(600);
    try {
      const answer = await signIn();
      expect(answer).toMatchObject({ status: 429, retryAfter: '600', code: 'RATE_LIMITED' });
      expect(answer.ms).toBeGreaterThanOrEqual(299);
    } finally {
      await apollo.stop();
    }
  });

  it('answers a held refusal at once when it stops: shutdown does not wait for the hold', async () => {
    const { apollo, hold, signIn } = await start(60_000);
    // A connection dropped by the drain is a failed expectation below, not an unhandled rejection.
    const answer = signIn().catch((error: Error) => ({ error: String(error.cause ?? error) }));
    while (hold.held === 0) await new Promise((resolve) => setImmediate(resolve));
    const stopping = performance.now();
    await apollo.stop();
    const stopMs = performance.now() - stopping;
    // The drain's grace period is 10 s; a hold still running would reach it and lose the answer.
    expect(stopMs).toBeLessThan(5_000);
    expect(await answer).toMatchObject({ status: 429, retryAfter: '600', code: 'RATE_LIMITED' });
  });
});
