import { MobileClient } from '../../bff-mobile/client/client';
import { seedAll } from '../../tooling/seed';
import { DEMO_PASSWORD } from '../../tooling/seed-plan';
import { graphql, startStack, statementCount, type Stack } from '../support/stack';
import { WebSession } from '../support/web';

/**
 * Cache hints and the BFFs' response cache: anonymous reads are answered from memory for as long
 * as the hints allow, with a public Cache-Control header; nothing for a signed-in viewer, nothing
 * with errors, and nothing when the client asks for a fresh answer.
 */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ bffEnv: { RESPONSE_CACHE: 'true' } });
  await seedAll(stack.databases.urls, { users: 3, postsPerUser: 4, mediaPerPost: 2 });
});
afterAll(() => stack?.stop());

const FEED = `query Feed($n: Int) { posts(first: $n) { nodes { id title author { handle } coverImage { url(size: SMALL) } } } }`;

/** Statements posts and media have received so far: unchanged means no subgraph was asked. */
const statements = async () => (await statementCount(stack.subgraphs.posts)) + (await statementCount(stack.subgraphs.media));

describe('bff-web', () => {
  it('answers a repeated anonymous read from its cache, with a public Cache-Control', async () => {
    const first = await graphql(stack.web, FEED, { n: 3 });
    expect(first.body.errors).toBeUndefined();
    // The shortest hint wins: posts(...) is 10 s, Post 30 s, User and Media 60 s.
    expect(first.headers.get('cache-control')).toBe('max-age=10, public');
    // Public, yet only for requests without a session: an HTTP cache in front must key on those too.
    expect(first.headers.get('vary')).toMatch(/\bCookie\b.*\bAuthorization\b/);

    const before = await statements();
    const second = await graphql(stack.web, FEED, { n: 3 });
    expect(await statements()).toBe(before);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('cache-control')).toBe('max-age=10, public');
    expect(Number(second.headers.get('age'))).toBeGreaterThanOrEqual(0);

    // Other variables are another entry.
    await graphql(stack.web, FEED, { n: 4 });
    expect(await statements()).toBeGreaterThan(before);
  });

  it('asks the subgraphs again when the client sends Cache-Control: no-cache', async () => {
    await graphql(stack.web, FEED, { n: 2 });
    const before = await statements();
    await graphql(stack.web, FEED, { n: 2 }, { 'cache-control': 'no-cache' });
    expect(await statements()).toBeGreaterThan(before);
  });

  it('never caches for a signed-in viewer, and marks their answers private', async () => {
    const session = new WebSession(stack.web);
    await session.gql(`mutation { signIn(email: "ada@example.com", password: "${DEMO_PASSWORD}") { user { id } } }`);
    await graphql(stack.web, FEED, { n: 5 }); // an anonymous entry exists for this very query
    const before = await statements();
    const response = await session.gql(FEED, { n: 5 });
    expect(await statements()).toBeGreaterThan(before);
    expect(response.headers.get('cache-control')).toBe('max-age=10, private');

    const me = await session.gql(`{ me { handle email } }`);
    expect(me.body.data.me.email).toBe('ada@example.com');
    expect(me.headers.get('cache-control')).toBe('no-store');
  });

  it('does not keep an answer with errors: when media is back, the next answer is whole', async () => {
    const query = `query Covers { posts(first: 6) { nodes { id coverImage { id } } } }`;
    await stack.stopSubgraph('media');
    try {
      const degraded = await graphql(stack.web, query);
      expect(degraded.body.errors?.[0].extensions?.code).toBe('SUBGRAPH_UNAVAILABLE');
      expect(degraded.headers.get('cache-control')).toBe('no-store');
    } finally {
      await stack.startSubgraph('media');
    }
    // The breaker lets a probe through after BREAKER_RESET_MS; the answer is then complete.
    let whole;
    for (let i = 0; i < 50; i++) {
      whole = await graphql(stack.web, query);
      if (!whole.body.errors) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(whole!.body.errors).toBeUndefined();
    expect(whole!.body.data.posts.nodes.every((p: { coverImage: unknown }) => p.coverImage !== null)).toBe(true);
  });
});

describe('bff-mobile', () => {
  it('answers a repeated anonymous feed from its cache, and a signed-in one never', async () => {
    const anonymous = new MobileClient({ baseUrl: stack.mobile });
    await anonymous.feed(7);
    const before = await statements();
    const feed = await anonymous.feed(7);
    expect(feed.cards).toHaveLength(7);
    expect(await statements()).toBe(before);

    const signedIn = new MobileClient({ baseUrl: stack.mobile });
    await signedIn.signIn('grace@example.com', DEMO_PASSWORD);
    await signedIn.feed(7);
    expect(await statements()).toBeGreaterThan(before);
  });
});
