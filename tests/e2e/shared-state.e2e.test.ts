import type { RunningService } from '../../tooling/processes';
import { startRedis, type TestRedis } from '../support/redis';
import { graphql, startStack, statementCount, WEB_ORIGIN, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/**
 * Two replicas of bff-web sharing one Redis of the test's own (REDIS_URL): a cached answer, the
 * sign-in limit and the refresh reuse window are the same whichever replica a request reaches;
 * with Redis stopped, every request still works, the cache is off and the limits are counted per
 * replica; with Redis back, the cache is shared again.
 */
let redis: TestRedis;
let stack: Stack;
let a: RunningService;
let b: RunningService;

beforeAll(async () => {
  redis = await startRedis();
  // A loaded machine can hold a command past the default 500 ms, and a count that falls back to its
  // process is not shared: this test is about sharing (Redis stopped, commands fail at once).
  stack = await startStack({
    bffEnv: { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '5000', RESPONSE_CACHE: 'true', SIGN_IN_ADDRESS_LIMIT: '4', REFRESH_REUSE_WINDOW_MS: '10000' },
    subgraphEnv: { REDIS_URL: redis.url, REDIS_TIMEOUT_MS: '5000' },
  });
  a = stack.bffs['bff-web'];
  b = await stack.replica('bff-web');
});
afterAll(async () => {
  await stack?.stop();
  await redis?.stop();
});

const FEED = `query Feed($n: Int) { posts(first: $n) { nodes { id title } } }`;
const posts = () => statementCount(stack.subgraphs.posts);
const wrongPassword = (origin: string, email: string) =>
  new WebSession(origin).gql(`mutation { signIn(email: "${email}", password: "not the password") { expiresAt } }`);

describe('with Redis', () => {
  it('serves an anonymous answer cached through one replica from the other', async () => {
    const first = await graphql(a.origin, FEED, { n: 3 });
    expect(first.body.errors).toBeUndefined();
    expect(first.headers.get('age')).toBeNull();
    expect(await redis.client().keys('bff-web:responses:*')).not.toHaveLength(0);

    const before = await posts();
    const second = await graphql(b.origin, FEED, { n: 3 });
    expect(second.body).toEqual(first.body);
    expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(await posts()).toBe(before);
  });

  it('counts an address’s failed sign-ins across replicas', async () => {
    await signUp(a.origin, 'limited');
    // An account nobody signed in to from here: users counts its failures too, in the same Redis.
    expect((await wrongPassword(a.origin, 'ghost@example.com')).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await redis.client().keys('users:sign-in-account:*')).toHaveLength(1);
    for (const origin of [a.origin, a.origin, b.origin]) {
      expect((await wrongPassword(origin, 'limited@example.com')).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    // One failure on b, four in all: b refuses the fifth.
    const refused = await wrongPassword(b.origin, 'limited@example.com');
    expect(refused.status).toBe(429);
    expect(refused.body.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
    // Counted under keyed hashes: Redis holds neither the client's address nor an email.
    const addresses = await redis.client().keys('bff-web:sign-in:*');
    const accounts = await redis.client().keys('users:sign-in-account:*');
    expect(addresses).toHaveLength(1);
    expect(accounts.length).toBeGreaterThanOrEqual(1);
    for (const key of [...addresses, ...accounts]) expect(key).not.toMatch(/127\.0\.0\.1|::1|example\.com/);
  });

  it('gives a refresh token spent on one replica the same new session on the other, within the window', async () => {
    const { session, user } = await signUp(a.origin, 'two_tabs');
    session.cookies.delete('fg_session'); // expired
    const cookie = session.cookie!;
    const onA = await graphql(a.origin, `{ me { id } }`, undefined, { cookie, origin: WEB_ORIGIN });
    const onB = await graphql(b.origin, `{ me { id } }`, undefined, { cookie, origin: WEB_ORIGIN });
    for (const response of [onA, onB]) {
      expect(response.status).toBe(200);
      expect(response.body.data.me).toEqual({ id: user.id });
    }
    const renewed = (response: typeof onA) => response.headers.getSetCookie().find((c) => c.startsWith('fg_refresh='));
    expect(renewed(onB)).toBe(renewed(onA));
    // Redis holds the outcome sealed: the new refresh token is not readable there.
    const stored = await Promise.all((await redis.client().keys('bff-web:refresh:*')).map((key) => redis.client().get(key)));
    const newToken = renewed(onA)!.split(';')[0].split('=')[1];
    expect(stored).not.toHaveLength(0);
    for (const value of stored) expect(value).not.toContain(newToken);
  });
});

describe('with Redis stopped, then back', () => {
  beforeAll(() => redis.stop());

  it('keeps answering with the cache off', async () => {
    for (const origin of [a.origin, b.origin]) {
      const before = await posts();
      for (let i = 0; i < 2; i++) {
        const response = await graphql(origin, FEED, { n: 5 });
        expect(response.status).toBe(200);
        expect(response.body.errors).toBeUndefined();
        expect(response.headers.get('age')).toBeNull();
      }
      expect(await posts()).toBeGreaterThanOrEqual(before + 2);
    }
    // The outage is logged once per process, without Redis's address.
    const lines = a.output.filter((line) => line.includes('redis unreachable'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('127.0.0.1');
  });

  it('signs up, signs in and refreshes, and counts failed sign-ins per replica', async () => {
    const { session, user } = await signUp(b.origin, 'outage');
    const signedIn = await new WebSession(a.origin).gql(`mutation { signIn(email: "outage@example.com", password: "correct horse battery") { user { id } } }`);
    expect(signedIn.body.data.signIn.user).toEqual({ id: user.id });
    session.cookies.delete('fg_session');
    expect((await session.gql(`{ me { id } }`)).body.data.me).toEqual({ id: user.id });

    for (let i = 0; i < 4; i++) expect((await wrongPassword(b.origin, 'outage@example.com')).status).toBe(200);
    expect((await wrongPassword(b.origin, 'outage@example.com')).status).toBe(429);
    // a counts its own: its failures are not b's.
    expect((await wrongPassword(a.origin, 'outage@example.com')).status).toBe(200);
  });

  it('shares the cache again once Redis is back', async () => {
    await redis.start();
    // The replicas reconnect on their own (every 2 s at most): poll until b answers from a's entry.
    const deadline = Date.now() + 20_000;
    let shared = false;
    for (let n = 10; !shared && Date.now() < deadline; n++) {
      await graphql(a.origin, FEED, { n });
      shared = (await graphql(b.origin, FEED, { n })).headers.get('age') !== null;
      if (!shared) await new Promise((r) => setTimeout(r, 200));
    }
    expect(shared).toBe(true);
    expect(a.output.filter((line) => line.includes('redis reachable again'))).toHaveLength(1);
  });
});
