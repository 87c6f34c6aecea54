import { MobileApiError, MobileClient } from '../../bff-mobile/client/client';
import { seedAll } from '../../tooling/seed';
import { DEMO_PASSWORD } from '../../tooling/seed-plan';
import { jpeg } from '../support/images';
import { graphql, startStack, type Stack } from '../support/stack';

/** bff-mobile through the mobile app's own client: persisted queries, bearer tokens, screens. */
let stack: Stack;
/** The origin of the app's web build, as MOBILE_WEB_ORIGINS names it. */
const APP_ORIGIN = 'http://127.0.0.1:8081';
beforeAll(async () => {
  stack = await startStack({ bffEnv: { MOBILE_WEB_ORIGINS: APP_ORIGIN } });
  await seedAll(stack.databases.urls, { users: 4, postsPerUser: 8, mediaPerPost: 2 });
});
afterAll(() => stack?.stop());

/** A client whose HTTP requests are counted. */
function countingClient(token?: string) {
  const calls: string[] = [];
  const client = new MobileClient({
    baseUrl: stack.mobile,
    token,
    fetch: (input, init) => {
      calls.push(String(init?.body));
      return fetch(input, init);
    },
  });
  return { client, calls };
}

describe('the feed', () => {
  it('returns cards with thumbnails in one round trip once the operation is known', async () => {
    const { client, calls } = countingClient();
    await client.feed(); // registers the persisted query (APQ): hash first, then hash and text
    expect(calls).toHaveLength(2);
    expect(JSON.parse(calls[0]).query).toBeUndefined();

    calls.length = 0;
    const feed = await client.feed();
    expect(calls).toHaveLength(1);
    expect(JSON.parse(calls[0])).toMatchObject({ operationName: 'Feed', extensions: { persistedQuery: { version: 1 } } });
    expect(JSON.parse(calls[0]).query).toBeUndefined();

    // Small pages by default, and every card ready to draw: thumbnails, handle, excerpt, counts.
    expect(feed.cards).toHaveLength(10);
    expect(feed.hasMore).toBe(true);
    for (const card of feed.cards) {
      expect(card.coverThumbUrl).toMatch(/^\/media\/[0-9a-f-]{36}\/thumb$/);
      expect(card.authorAvatarThumbUrl).toMatch(/^\/media\/[0-9a-f-]{36}\/thumb$/);
      expect(card.authorHandle).toMatch(/^[a-z]+$/);
      expect(card.excerpt).toMatch(/^Notes on \w+ What .+ learned about \w+: measure first keep it simple More$/);
      expect({ images: card.imageCount, videos: card.videoCount }).toEqual({ images: 1, videos: 1 });
    }
  });

  it('pages with the cursor it returns, and refuses pages larger than a phone needs', async () => {
    const { client } = countingClient();
    const first = await client.feed(5);
    const second = await client.feed(5, first.nextCursor);
    expect(new Set([...first.cards, ...second.cards].map((c) => c.id)).size).toBe(10);
    await expect(client.feed(31)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});

describe('signed in', () => {
  it('signs in with a bearer token, writes a post, attaches media, and shows the post screen', async () => {
    const { client } = countingClient();
    const session = await client.signIn('grace@example.com', DEMO_PASSWORD);
    expect(session.accessToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(session.user.handle).toBe('grace');

    const post = await client.createPost('From the phone', 'Written on *mobile*.');
    expect(post).toMatchObject({ title: 'From the phone', published: true, bodyHtml: '<p>Written on <em>mobile</em>.</p>\n' });
    const image = await client.uploadMedia(post.id, await jpeg(1200, 900), { kind: 'IMAGE', mimeType: 'image/jpeg', alt: 'the view' });
    expect(image).toMatchObject({ kind: 'IMAGE', status: 'READY', width: 1200, height: 900 });

    const screen = await client.postScreen(post.id);
    expect(screen).toMatchObject({
      id: post.id,
      author: { handle: 'grace' },
      media: [{ id: image.id, kind: 'IMAGE', thumbUrl: `/media/${image.id}/thumb`, url: `/media/${image.id}/small`, alt: 'the view' }],
    });
    const me = await client.execute<{ me: { handle: string } }>('Me');
    expect(me.data.me.handle).toBe('grace');

    // The web build's origin reads the file, and a cache is told it varies by Origin as well as media's Accept.
    const file = await fetch(`${stack.mobile}/media/${image.id}/thumb`, { headers: { origin: APP_ORIGIN, accept: 'image/webp,*/*' } });
    expect(file.status).toBe(200);
    expect(file.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(file.headers.get('vary')?.split(/,\s*/)).toEqual(expect.arrayContaining(['Origin', 'Accept']));
  });

  it('keeps the codes of the supergraph’s errors', async () => {
    const { client } = countingClient();
    await expect(client.createPost('No one', 'anonymous')).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(client.postScreen('not-an-id')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await client.signIn('grace@example.com', DEMO_PASSWORD);
    const [post] = (await client.feed(1)).cards;
    const error = await client.startUpload(post.id, { kind: 'IMAGE', mimeType: 'text/html', bytes: 1 }).catch((e: MobileApiError) => e);
    expect(error).toBeInstanceOf(MobileApiError);
    expect((error as MobileApiError).errors[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'mimeType' });
  });

  it('refuses an invalid bearer token with 401 UNAUTHENTICATED', async () => {
    const response = await graphql(stack.mobile, `{ me { handle } }`, undefined, { authorization: 'Bearer not.a.token' });
    expect(response.status).toBe(401);
    expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('refresh tokens', () => {
  it('rotates the refresh token, refuses a spent one (and with it the whole sign-in), and revokes at sign-out', async () => {
    const { client } = countingClient();
    const first = await client.signIn('alan@example.com', DEMO_PASSWORD);
    expect(first.refreshToken).toMatch(/^[\w-]{43}$/);
    const second = await client.refresh();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(second.accessToken).not.toBe(first.accessToken);
    expect((await client.execute<{ me: { handle: string } }>('Me')).data.me.handle).toBe('alan');

    const replay = new MobileClient({ baseUrl: stack.mobile });
    await expect(replay.refresh(first.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    // Reuse revoked the family: the legitimate holder's current token is dead too.
    await expect(client.refresh()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });

    const other = new MobileClient({ baseUrl: stack.mobile });
    const session = await other.signIn('alan@example.com', DEMO_PASSWORD);
    await other.signOut();
    await expect(new MobileClient({ baseUrl: stack.mobile }).refresh(session.refreshToken)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('gives a refreshed token the role the user has now', async () => {
    const { client } = countingClient();
    const session = await client.signIn('margaret@example.com', DEMO_PASSWORD);
    await stack.subgraph('users', `mutation($id: ID!) { updateUser(id: $id, input: { role: READER }) { role } }`, { id: session.user.id }, { id: session.user.id, role: 'ADMIN' });
    // The old token (AUTHOR) is revoked by the change (tests/e2e/sessions-revocation.e2e.test.ts).
    await client.refresh();
    await expect(client.createPost('refused', 'the new token says READER')).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('the web build’s origin', () => {
  const preflight = (origin: string) =>
    fetch(`${stack.mobile}/graphql`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });

  it('answers a configured origin with CORS, without credentials, for GraphQL and the upload PUT', async () => {
    const response = await preflight(APP_ORIGIN);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(response.headers.get('access-control-allow-methods')).toMatch(/POST.*PUT/);
    expect(response.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    const answer = await graphql(stack.mobile, '{ feed(first: 1) { cards { id } } }', undefined, { origin: APP_ORIGIN });
    expect(answer.headers.get('access-control-allow-origin')).toBe(APP_ORIGIN);
    expect(answer.headers.get('vary')).toBe('Origin, Cookie, Authorization, Accept-Encoding');
    expect(answer.body.data.feed.cards).toHaveLength(1);
  });

  it('gives any other origin no CORS headers, so its pages cannot read an answer', async () => {
    const response = await preflight('http://evil.test');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const answer = await graphql(stack.mobile, '{ feed(first: 1) { cards { id } } }', undefined, { origin: 'http://evil.test' });
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
    // Still varying by Origin: a shared cache must not give this answer to the allowed origin, nor the reverse.
    expect(answer.headers.get('vary')).toBe('Origin, Cookie, Authorization, Accept-Encoding');
  });
});
