import { graphql, startStack, WEB_ORIGIN, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/** bff-web as a browser uses it: the web contract, a cookie session, CSRF and origin checks. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const countPosts = async () => (await graphql(stack.web, `{ posts(first: 100) { nodes { id } } }`)).body.data.posts.nodes.length;

describe('the web contract', () => {
  it('leaves out what is tagged internal: absent from introspection, and a query naming it fails validation', async () => {
    const { body } = await graphql(stack.web, `{ __schema { mutationType { fields { name } } types { name } } }`);
    const mutations = body.data.__schema.mutationType.fields.map((f: { name: string }) => f.name);
    const types = body.data.__schema.types.map((t: { name: string }) => t.name);
    expect(mutations).toEqual(expect.arrayContaining(['signIn', 'signUp', 'signOut', 'createPost', 'updateMedia']));
    expect(mutations).not.toContain('createMedia');
    expect(types).not.toContain('CreateMediaInput');
    expect(types).toEqual(expect.arrayContaining(['Media', 'MediaPurpose', 'Post', 'User']));

    const refused = await graphql(stack.web, `mutation { createMedia(input: { purpose: AVATAR, kind: IMAGE, mimeType: "image/png", bytes: 1 }) { id } }`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('is a different API from the mobile one', async () => {
    const query = `{ __schema { queryType { fields { name } } } }`;
    const web = (await graphql(stack.web, query)).body.data.__schema.queryType.fields.map((f: { name: string }) => f.name);
    const mobile = (await graphql(stack.mobile, query)).body.data.__schema.queryType.fields.map((f: { name: string }) => f.name);
    expect(web).toEqual(expect.arrayContaining(['posts', 'post', 'users', 'mediaList', 'me']));
    expect(mobile.sort()).toEqual(['feed', 'me', 'post', 'profile']);
  });
});

describe('the cookie session', () => {
  it('signs in with an httpOnly, SameSite=Lax cookie, never returns the token, and acts as that user', async () => {
    const { user } = await signUp(stack.web, 'cookie_user');
    const browser = new WebSession(stack.web);
    const response = await browser.gql(`mutation { signIn(email: "cookie_user@example.com", password: "correct horse battery") { expiresAt user { id email } } }`);
    const [access, refresh] = response.headers.getSetCookie();
    expect(access).toMatch(/^fg_session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=900$/);
    expect(refresh).toMatch(/^fg_refresh=[\w-]{43}; Path=\/graphql; HttpOnly; SameSite=Lax; Max-Age=2592000$/);
    const token = browser.cookies.get('fg_session')!;
    for (const secret of [token, browser.cookies.get('fg_refresh')!]) expect(JSON.stringify(response.body)).not.toContain(secret);
    expect(JSON.stringify(response.body)).not.toMatch(/eyJ[\w-]+\.eyJ/);
    expect(response.body.data.signIn.user).toEqual({ id: user.id, email: 'cookie_user@example.com' });

    const me = await browser.gql(`{ me { id handle email } }`);
    expect(me.body.data.me).toEqual({ id: user.id, handle: 'cookie_user', email: 'cookie_user@example.com' });
    expect(JSON.stringify(me.body)).not.toContain(token);

    const post = await browser.gql(`mutation { createPost(input: { title: "Via cookie", body: "b", status: PUBLISHED }) { author { id } } }`);
    expect(post.body.data.createPost.author.id).toBe(user.id);

    const out = await browser.gql(`mutation { signOut }`);
    expect(out.headers.getSetCookie()).toEqual([
      'fg_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0',
      'fg_refresh=; Path=/graphql; HttpOnly; SameSite=Lax; Max-Age=0',
    ]);
    expect(browser.cookies.size).toBe(0);
    expect((await browser.gql(`{ me { id } }`)).body.data.me).toBeNull();
  });

  it('refuses a wrong password with UNAUTHENTICATED and sets no cookie', async () => {
    await signUp(stack.web, 'wrong_pw');
    const response = await new WebSession(stack.web).gql(`mutation { signIn(email: "wrong_pw@example.com", password: "not the password") { expiresAt } }`);
    expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('renews an expired session with the refresh cookie before running the request, rotating it', async () => {
    const { session, user } = await signUp(stack.web, 'refresher');
    const firstRefresh = session.cookies.get('fg_refresh')!;
    session.cookies.delete('fg_session'); // the access cookie has expired and the browser dropped it
    const me = await session.gql(`{ me { id } }`);
    expect(me.body.data.me).toEqual({ id: user.id });
    expect(session.cookies.get('fg_session')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(session.cookies.get('fg_refresh')).not.toBe(firstRefresh);

    // A copy of the spent refresh token presented after the reuse window (300 ms in these tests)
    // ends the whole sign-in: it is refused, and so is the token that replaced it.
    await new Promise((r) => setTimeout(r, 400));
    const thief = new WebSession(stack.web);
    thief.cookies.set('fg_refresh', firstRefresh);
    const stolen = await thief.gql(`{ me { id } }`);
    expect(stolen.status).toBe(401);
    expect(stolen.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    session.cookies.delete('fg_session');
    expect((await session.gql(`{ me { id } }`)).status).toBe(401);
  });

  it('renews once for requests sent together: a page’s parallel queries keep the session', async () => {
    const { session, user } = await signUp(stack.web, 'parallel');
    session.cookies.delete('fg_session');
    const cookie = session.cookie!;
    const responses = await Promise.all(
      Array.from({ length: 4 }, () => graphql(stack.web, `{ me { id } }`, undefined, { cookie, origin: WEB_ORIGIN })),
    );
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(response.body.data.me).toEqual({ id: user.id });
    }
    // All four were given the same new session, and it keeps working.
    const renewed = new Set(responses.map((r) => r.headers.getSetCookie().find((c) => c.startsWith('fg_refresh='))));
    expect(renewed.size).toBe(1);
    const next = new WebSession(stack.web);
    for (const c of responses[0].headers.getSetCookie()) next.cookies.set(c.split('=')[0], c.split(';')[0].split('=')[1]);
    next.cookies.delete('fg_session');
    expect((await next.gql(`{ me { id } }`)).body.data.me).toEqual({ id: user.id });
  });

  it('sets the renewed cookies even on a response that runs no operation (the Sandbox page)', async () => {
    const { session, user } = await signUp(stack.web, 'landing');
    session.cookies.delete('fg_session');
    const page = await fetch(`${stack.web}/graphql`, { headers: { accept: 'text/html', cookie: session.cookie! } });
    expect(page.status).toBe(200);
    const set = page.headers.getSetCookie();
    expect(set.some((c) => c.startsWith('fg_session=ey'))).toBe(true);
    const browser = new WebSession(stack.web);
    for (const c of set) browser.cookies.set(c.split('=')[0], c.split(';')[0].split('=')[1]);
    browser.cookies.delete('fg_session');
    expect((await browser.gql(`{ me { id } }`)).body.data.me).toEqual({ id: user.id });
  });

  it('revokes the refresh token at sign-out', async () => {
    const { session } = await signUp(stack.web, 'leaver');
    const refresh = session.cookies.get('fg_refresh')!;
    await session.gql(`mutation { signOut }`);
    const replay = new WebSession(stack.web);
    replay.cookies.set('fg_refresh', refresh);
    expect((await replay.gql(`{ me { id } }`)).status).toBe(401);
  });

  it('answers a tampered or foreign cookie with 401 UNAUTHENTICATED, clears it, and runs nothing', async () => {
    const { session } = await signUp(stack.web, 'tamper');
    const [name, token] = ['fg_session', session.cookies.get('fg_session')!];
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' })).toString('base64url');
    const before = await countPosts();
    for (const cookie of [`${name}=${header}.${forged}.${signature}`, `${name}=not-a-jwt`]) {
      const response = await graphql(stack.web, `mutation { createPost(input: { title: "x", body: "y", status: PUBLISHED }) { id } }`, undefined, { cookie, origin: WEB_ORIGIN });
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      expect(response.headers.getSetCookie()).toEqual(expect.arrayContaining([expect.stringMatching(/^fg_session=; .*Max-Age=0$/)]));
    }
    expect(await countPosts()).toBe(before);
  });
});

describe('CSRF and origins', () => {
  it('refuses a cross-site form post (a "simple" request) even with a valid cookie, and creates nothing', async () => {
    const { session } = await signUp(stack.web, 'csrf_target');
    const before = await countPosts();
    const response = await fetch(`${stack.web}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', cookie: session.cookie! },
      body: JSON.stringify({ query: `mutation { createPost(input: { title: "csrf", body: "x", status: PUBLISHED }) { id } }` }),
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF|preflight/i);
    expect(await countPosts()).toBe(before);
  });

  it('refuses a mutation over GET', async () => {
    const { session } = await signUp(stack.web, 'get_mutation');
    const before = await countPosts();
    const query = encodeURIComponent(`mutation { createPost(input: { title: "get", body: "x", status: PUBLISHED }) { id } }`);
    const response = await fetch(`${stack.web}/graphql?query=${query}`, { headers: { cookie: session.cookie!, 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(405);
    expect(await countPosts()).toBe(before);
  });

  it('refuses requests from an origin that is not allowed, preflight or not, and creates nothing', async () => {
    const { session } = await signUp(stack.web, 'origin_target');
    const before = await countPosts();
    const attack = await graphql(stack.web, `mutation { createPost(input: { title: "evil", body: "x", status: PUBLISHED }) { id } }`, undefined, {
      origin: 'https://evil.example',
      cookie: session.cookie!,
    });
    expect(attack.status).toBe(403);
    expect(attack.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(attack.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(`${stack.web}/graphql`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);
    expect(await countPosts()).toBe(before);
  });

  it('answers the configured origin’s preflight and requests with CORS headers that allow credentials', async () => {
    const preflight = await fetch(`${stack.web}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: WEB_ORIGIN, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const request = await graphql(stack.web, `{ posts(first: 1) { nodes { id } } }`, undefined, { origin: WEB_ORIGIN });
    expect(request.status).toBe(200);
    expect(request.headers.get('access-control-allow-origin')).toBe(WEB_ORIGIN);
    expect(request.headers.get('vary')).toContain('Origin');
  });
});

describe('development conveniences and logs', () => {
  it('serves Apollo Sandbox to a browser outside production', async () => {
    const response = await fetch(`${stack.web}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/text\/html/);
    expect(await response.text()).toMatch(/embeddable-sandbox/);
  });

  it('logs one line per operation with its name, status, duration and request id', async () => {
    await graphql(stack.web, `query WebLogProbe { posts(first: 1) { nodes { id } } }`, undefined, { 'x-request-id': 'log-probe-1' });
    const line = () => stack.bffs['bff-web'].output.find((l) => l.includes('"requestId":"log-probe-1"'));
    for (const deadline = Date.now() + 5_000; !line() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
    expect(JSON.parse(line()!)).toMatchObject({ service: 'bff-web', msg: 'request', operationName: 'WebLogProbe', status: 200, ms: expect.any(Number) });
  });
});
