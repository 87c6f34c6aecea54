import { randomUUID } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import { MobileClient } from '../../bff-mobile/client/client';
import { ASSERTION_HEADER, type Viewer } from '../../lib/identity/assertion';
import { generatePrivateJwk, publicHalf, signingKeyFrom } from '../../lib/identity/keys';
import { jpeg } from '../support/images';
import { graphql, startStack, statementCount, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/** Tokens, assertions and authorisation, each rule tried from the allowed and the refused side. */
let stack: Stack;
let admin: WebSession;
let adminUser: { id: string };
/** A sign-in lasts this long in this suite, however often it is refreshed. */
const SESSION_MAX_AGE_S = 4;
/** The key users signed with before a rotation; its public half is still published. */
let previousKey: string;

beforeAll(async () => {
  previousKey = JSON.stringify(await generatePrivateJwk());
  stack = await startStack({
    subgraphEnv: { AUTH_PREVIOUS_PUBLIC_KEYS: JSON.stringify([publicHalf(JSON.parse(previousKey))]), SESSION_MAX_AGE_SECONDS: String(SESSION_MAX_AGE_S) },
  });
  // The first admin is made by an operator: here, a call to users with an admin assertion.
  const made = await signUp(stack.web, 'the_admin');
  await stack.subgraph('users', `mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`, { id: made.user.id }, { id: randomUUID(), role: 'ADMIN' });
  admin = new WebSession(stack.web);
  await admin.gql(`mutation { signIn(email: "the_admin@example.com", password: "correct horse battery") { expiresAt } }`);
  adminUser = made.user;
});
afterAll(() => stack?.stop());

const CREATE = `mutation { createPost(input: { title: "attempt", body: "x", status: PUBLISHED }) { id } }`;
const postCount = async () => (await graphql(stack.web, `{ posts(first: 100) { nodes { id } } }`)).body.data.posts.nodes.length;

async function tokenFor(user: { id: string }, claims: Record<string, unknown> = {}, options: { expiresAt?: number; audience?: string; issuer?: string; key?: string } = {}) {
  const key = await signingKeyFrom(options.key ?? stack.tokenKey, 'test');
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ role: 'AUTHOR', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'at+jwt' })
    .setSubject(user.id)
    .setIssuer(options.issuer ?? 'federated-graph/users')
    .setAudience(options.audience ?? 'federated-graph')
    .setIssuedAt(now - 60)
    .setExpirationTime(options.expiresAt ?? now + 600)
    .setJti(randomUUID())
    .sign(key.privateKey);
}

describe('client tokens at the BFFs', () => {
  it('accepts a well-formed token (the control case)', async () => {
    const { user } = await signUp(stack.web);
    const response = await graphql(stack.mobile, `mutation { createPost(title: "ok", body: "x") { id } }`, undefined, { authorization: `Bearer ${await tokenFor(user)}` });
    expect(response.body.errors).toBeUndefined();
  });

  it.each([
    ['alg: none', async (user: { id: string }) => {
      const [, payload] = (await tokenFor(user)).split('.');
      return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    }],
    ['HS256 signed with the public key', async (user: { id: string }) => {
      const publicJwk = publicHalf(JSON.parse(stack.tokenKey) as JWK);
      const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
      return new SignJWT({ role: 'ADMIN' }).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt' }).setSubject(user.id).setIssuer('federated-graph/users').setAudience('federated-graph').setIssuedAt().setExpirationTime('5m').setJti(randomUUID()).sign(secret);
    }],
    ['expired', async (user: { id: string }) => tokenFor(user, {}, { expiresAt: Math.floor(Date.now() / 1000) - 5 })],
    ['for another audience', async (user: { id: string }) => tokenFor(user, {}, { audience: 'some-other-api' })],
    ['from another issuer', async (user: { id: string }) => tokenFor(user, {}, { issuer: 'https://evil.example' })],
    ['with a tampered payload', async (user: { id: string }) => {
      const [header, payload, signature] = (await tokenFor(user)).split('.');
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
      return `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'ADMIN' })).toString('base64url')}.${signature}`;
    }],
    ['signed by a key users never published', async (user: { id: string }) => tokenFor(user, {}, { key: JSON.stringify(await generatePrivateJwk()) })],
    ['with a role that does not exist', async (user: { id: string }) => tokenFor(user, { role: 'SUPERUSER' })],
  ])('refuses a token %s with 401 UNAUTHENTICATED, on both BFFs, and runs nothing', async (_, craft) => {
    const { user } = await signUp(stack.web);
    const token = await craft(user);
    const before = await postCount();
    const mobile = await graphql(stack.mobile, `mutation { createPost(title: "attempt", body: "x") { id } }`, undefined, { authorization: `Bearer ${token}` });
    const web = await graphql(stack.web, CREATE, undefined, { cookie: `fg_session=${token}` });
    for (const response of [mobile, web]) {
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await postCount()).toBe(before);
  });
});

describe('sign-in lifetime', () => {
  it('ends a sign-in at its maximum age, however often it is refreshed', async () => {
    const { user } = await signUp(stack.web);
    const client = new MobileClient({ baseUrl: stack.mobile });
    await client.signIn(`${user.handle}@example.com`, 'correct horse battery');
    // The sign-in began no later than now (measured before it, a slow scrypt under load made this flaky).
    const started = Date.now();
    await client.refresh();
    await client.refresh();
    // Wait out the maximum age (a few seconds in this suite): the next refresh is refused.
    while (Date.now() - started < SESSION_MAX_AGE_S * 1000 + 250) await new Promise((r) => setTimeout(r, 100));
    await expect(client.refresh()).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('key rotation', () => {
  it('publishes the current and the previous key, and still accepts tokens signed with the previous one', async () => {
    const jwks = (await (await fetch(`${stack.subgraphs.users.origin}/.well-known/jwks.json`)).json()) as { keys: JWK[] };
    const kids = jwks.keys.map((k) => k.kid);
    expect(kids).toEqual([(await signingKeyFrom(stack.tokenKey, 'current')).kid, (await signingKeyFrom(previousKey, 'previous')).kid]);
    expect(jwks.keys.every((k) => k.kty === 'EC' && !('d' in k))).toBe(true);

    const { user } = await signUp(stack.web);
    const oldToken = await tokenFor(user, {}, { key: previousKey });
    const response = await graphql(stack.mobile, `mutation { createPost(title: "old key", body: "x") { id } }`, undefined, { authorization: `Bearer ${oldToken}` });
    expect(response.body.errors).toBeUndefined();
  });
});

describe('gateway assertions at the subgraphs', () => {
  const direct = (assertion: string) => graphql(stack.subgraphs.posts.origin, CREATE, undefined, { [ASSERTION_HEADER]: assertion });

  it('refuses an assertion that is expired, for another subgraph or audience, signed by another key, or forged, with 401', async () => {
    const { user } = await signUp(stack.web);
    const viewer: Viewer = { id: user.id, role: 'AUTHOR' };
    const real = await signingKeyFrom(stack.gatewayKey, 'gateway key');
    const foreign = await signingKeyFrom(JSON.stringify(await generatePrivateJwk()), 'foreign key');
    const now = Math.floor(Date.now() / 1000);
    const craft = async (key: typeof real, audience: string | string[], exp: number) =>
      new SignJWT({ client: 'bff-web', role: viewer.role })
        .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'gateway-assertion+jwt' })
        .setIssuer('bff-web')
        .setAudience(audience)
        .setSubject(viewer.id)
        .setIssuedAt(exp - 30)
        .setExpirationTime(exp)
        .sign(key.privateKey);
    const before = await postCount();
    for (const assertion of [
      await craft(real, 'posts', now - 5),
      await craft(real, 'some-other-audience', now + 30),
      // The audience every subgraph shared: an assertion must name the one it is for.
      await craft(real, 'federated-graph-subgraphs', now + 30),
      // Made by a BFF for media (or users): not replayable to posts.
      await craft(real, 'media', now + 30),
      // Made for several subgraphs at once, this one among them: an assertion is for one alone.
      await craft(real, ['posts', 'media'], now + 30),
      await stack.assertion('media', viewer),
      await stack.assertion('users', viewer),
      await craft(foreign, 'posts', now + 30),
      (await stack.assertion('posts', viewer)).replace(/\.[^.]+$/, '.AAAA'),
      'not-a-jwt',
    ]) {
      const response = await direct(assertion);
      expect(response.status).toBe(401);
      expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    }
    expect(await postCount()).toBe(before);
    // The control: a fresh assertion with the real key for posts, for the same viewer, is accepted.
    expect((await direct(await craft(real, 'posts', now + 30))).body.errors).toBeUndefined();
    expect((await direct(await stack.assertion('posts', viewer))).body.errors).toBeUndefined();
  });
});

describe('service assertions: a subgraph calling another as itself', () => {
  type Service = 'media' | 'posts';
  /** An assertion signed with `service`'s own key, shaped as `shape` says. */
  async function signedBy(service: Service, audience: string | string[], shape: { typ?: string; viewer?: Viewer; subject?: Viewer } = {}) {
    const key = await signingKeyFrom(stack.serviceKeys[service], service);
    const { typ = 'service-assertion+jwt', viewer, subject } = shape;
    const jwt = new SignJWT({ ...(viewer && { viewer }), ...(subject && { client: service, role: subject.role }) })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ })
      .setIssuer(service)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('30s');
    if (subject) jwt.setSubject(subject.id);
    return jwt.sign(key.privateKey);
  }
  const call = (subgraph: 'users' | 'posts' | 'media', query: string, assertion: string, variables?: Record<string, unknown>) =>
    graphql(stack.subgraphs[subgraph].origin, query, variables, { [ASSERTION_HEADER]: assertion });
  const feed = (subgraph: 'users' | 'posts', assertion: string) =>
    fetch(`${stack.subgraphs[subgraph].origin}/events?after=0&first=1`, { headers: { [ASSERTION_HEADER]: assertion } });
  const ADMIN = (): Viewer => ({ id: adminUser.id, role: 'ADMIN' });

  it("refuses media's key claiming an admin for a mutation, at posts and at users, and changes nothing", async () => {
    const { user } = await signUp(stack.web);
    const promote = `mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`;
    const before = await postCount();
    // Posing as a BFF (a gateway assertion for an admin, or a subject in a service assertion), for
    // the subgraph or for the audience all once shared: not a key that can.
    for (const audience of ['posts', 'federated-graph-subgraphs']) {
      for (const assertion of [
        await signedBy('media', audience, { typ: 'gateway-assertion+jwt', subject: ADMIN() }),
        await signedBy('media', audience, { subject: ADMIN() }),
        await signedBy('posts', audience, { typ: 'gateway-assertion+jwt', subject: ADMIN() }),
      ]) {
        const response = await call('posts', CREATE, assertion);
        expect(response.status).toBe(401);
        expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      }
    }
    for (const audience of ['users', 'federated-graph-subgraphs']) {
      for (const service of ['media', 'posts'] as const) {
        const response = await call('users', promote, await signedBy(service, audience, { typ: 'gateway-assertion+jwt', subject: ADMIN() }), { id: user.id });
        expect(response.status).toBe(401);
      }
    }
    // As a service naming an admin viewer: posts runs none of its mutations, users none of its GraphQL.
    const asService = await call('posts', CREATE, await signedBy('media', 'posts', { viewer: ADMIN() }));
    expect(asService.status).toBe(403);
    expect(asService.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const atUsers = await call('users', promote, await signedBy('media', 'users', { viewer: ADMIN() }), { id: user.id });
    expect(atUsers.status).toBe(403);
    expect(atUsers.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await postCount()).toBe(before);
    const { body } = await stack.subgraph('users', `query($id: ID!) { user(id: $id) { role } }`, { id: user.id }, ADMIN());
    expect(body.data.user.role).toBe('AUTHOR');
  });

  it('lets a service do only what it is there for: its own read-only operations, the feeds it follows', async () => {
    const author = await signUp(stack.web);
    const draft = (await author.session.gql(`mutation { createPost(input: { title: "service draft", body: "secret body" }) { id } }`)).body.data.createPost.id;
    const visible = `query MediaVisiblePosts($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id } } }`;
    const r = [{ __typename: 'Post', id: draft }];
    // The control: media asks posts, exactly as it does, about its author (who may see the draft) and an anonymous viewer.
    const asAuthor = await call('posts', visible, await signedBy('media', 'posts', { viewer: { id: author.user.id, role: 'AUTHOR' } }), { r });
    expect(asAuthor.body).toEqual({ data: { _entities: [{ id: draft }] } });
    expect((await call('posts', visible, await signedBy('media', 'posts'), { r })).body).toEqual({ data: { _entities: [null] } });
    // Anything else, even a read, even one character more: refused, the draft's body never shown.
    for (const query of [
      `query MediaVisiblePosts($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id body } } }`,
      `{ posts(first: 5) { nodes { id body } } }`,
      `${visible} `,
    ]) {
      const response = await call('posts', query, await signedBy('media', 'posts', { viewer: ADMIN() }), { r });
      expect(response.status).toBe(403);
      expect(JSON.stringify(response.body)).not.toContain('secret body');
    }
    // Each key only at the subgraphs its service may call: posts may not call posts or media, media not media.
    expect((await call('posts', visible, await signedBy('posts', 'posts'), { r })).status).toBe(401);
    expect((await call('media', `{ media(first: 1) { nodes { id } } }`, await signedBy('media', 'media'))).status).toBe(401);
    expect((await call('media', `{ media(first: 1) { nodes { id } } }`, await signedBy('posts', 'media'))).status).toBe(401);
    // Made for posts, not replayable to users.
    expect((await feed('users', await signedBy('media', 'posts'))).status).toBe(401);
    // Nor one made for posts and users at once, at either: an assertion names one subgraph alone.
    expect((await call('posts', visible, await signedBy('media', ['posts', 'users']), { r })).status).toBe(401);
    expect((await feed('users', await signedBy('media', ['users', 'posts']))).status).toBe(401);

    // Feeds: their readers, by their own key and for that producer; not a BFF's assertion naming a reader.
    expect((await feed('users', await signedBy('media', 'users'))).status).toBe(200);
    expect((await feed('users', await signedBy('posts', 'users'))).status).toBe(200);
    expect((await feed('posts', await signedBy('media', 'posts'))).status).toBe(200);
    expect((await feed('users', await signedBy('media', 'users', { viewer: ADMIN() }))).status).toBe(403);
    expect((await feed('users', await stack.assertion('users', null, 'media'))).status).toBe(403);
    expect((await feed('users', await stack.assertion('users', null, 'posts'))).status).toBe(403);
  });
});

describe('authorisation, through the BFF and directly', () => {
  it('lets AUTHOR and ADMIN write posts, and not READER or anonymous', async () => {
    const reader = await signUp(stack.web);
    await admin.gql(`mutation($id: ID!) { updateUser(id: $id, input: { role: READER }) { role } }`, { id: reader.user.id });
    await reader.session.gql(`mutation { signIn(email: "${reader.user.handle}@example.com", password: "correct horse battery") { expiresAt } }`);
    const before = await postCount();
    expect((await reader.session.gql(CREATE)).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await stack.subgraph('posts', CREATE, {}, { id: reader.user.id, role: 'READER' })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(stack.web, CREATE)).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await stack.subgraph('posts', CREATE, {}, null)).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect(await postCount()).toBe(before);
    expect((await admin.gql(CREATE)).body.errors).toBeUndefined();
    expect((await stack.subgraph('posts', CREATE, {}, { id: randomUUID(), role: 'AUTHOR' })).body.errors).toBeUndefined();
  });

  it('lets only the author or an admin change, publish or delete a post', async () => {
    const author = await signUp(stack.web);
    const other = await signUp(stack.web);
    const { id } = (await author.session.gql(`mutation { createPost(input: { title: "mine", body: "x" }) { id } }`)).body.data.createPost;
    const update = `mutation($id: ID!) { updatePost(id: $id, input: { title: "taken over", status: PUBLISHED }) { title } }`;
    // The draft is not even visible to the other author: NOT_FOUND, as if it did not exist.
    expect((await other.session.gql(update, { id })).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    await author.session.gql(`mutation($id: ID!) { updatePost(id: $id, input: { status: PUBLISHED }) { id } }`, { id });
    expect((await other.session.gql(update, { id })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await stack.subgraph('posts', `mutation($id: ID!) { deletePost(id: $id) }`, { id }, { id: other.user.id, role: 'AUTHOR' })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await graphql(stack.web, `query($id: ID!) { post(id: $id) { title } }`, { id })).body.data.post.title).toBe('mine');
    expect((await admin.gql(`mutation($id: ID!) { updatePost(id: $id, input: { title: "moderated" }) { title } }`, { id })).body.data.updatePost.title).toBe('moderated');
    expect((await author.session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id })).body.data.deletePost).toBe(id);
  });

  it('shows drafts to their author and admins only', async () => {
    const author = await signUp(stack.web);
    const other = await signUp(stack.web);
    const { id } = (await author.session.gql(`mutation { createPost(input: { title: "secret draft", body: "x" }) { id } }`)).body.data.createPost;
    const read = `query($id: ID!) { post(id: $id) { title } }`;
    expect((await author.session.gql(read, { id })).body.data.post).toEqual({ title: 'secret draft' });
    expect((await admin.gql(read, { id })).body.data.post).toEqual({ title: 'secret draft' });
    expect((await other.session.gql(read, { id })).body.data.post).toBeNull();
    expect((await graphql(stack.web, read, { id })).body.data.post).toBeNull();
    expect((await stack.subgraph('posts', read, { id }, { id: other.user.id, role: 'AUTHOR' })).body.data.post).toBeNull();
    const theirDrafts = `query($a: ID!) { posts(authorId: $a, status: DRAFT) { nodes { id } } }`;
    expect((await other.session.gql(theirDrafts, { a: author.user.id })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await admin.gql(theirDrafts, { a: author.user.id })).body.data.posts.nodes).toEqual([{ id }]);
  });

  it('shows an email to its user and admins only, and lets only an admin change a role', async () => {
    const user = await signUp(stack.web);
    const other = await signUp(stack.web);
    const read = `query($id: ID!) { user(id: $id) { email } }`;
    expect((await user.session.gql(read, { id: user.user.id })).body.data.user.email).toBe(`${user.user.handle}@example.com`);
    expect((await admin.gql(read, { id: user.user.id })).body.data.user.email).toBe(`${user.user.handle}@example.com`);
    expect((await other.session.gql(read, { id: user.user.id })).body.data.user.email).toBeNull();
    expect((await stack.subgraph('users', read, { id: user.user.id }, null)).body.data.user.email).toBeNull();

    const promote = `mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`;
    expect((await user.session.gql(promote, { id: user.user.id })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await other.session.gql(`mutation($id: ID!) { updateUser(id: $id, input: { displayName: "x" }) { id } }`, { id: user.user.id })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await admin.gql(read, { id: user.user.id })).body.data.user).toBeTruthy();
    expect((await admin.gql(promote, { id: user.user.id })).body.data.updateUser.role).toBe('ADMIN');
    expect((await graphql(stack.web, `query($id: ID!) { user(id: $id) { role } }`, { id: adminUser.id })).body.data.user.role).toBe('ADMIN');
  });

  it('lets only a post’s author or an admin attach media to it', async () => {
    const author = await signUp(stack.web);
    const other = await signUp(stack.web);
    const { id } = (await author.session.gql(`mutation { createPost(input: { title: "not yours", body: "x", status: PUBLISHED }) { id } }`)).body.data.createPost;
    const attach = `mutation($input: CreateMediaInput!) { createMedia(input: $input) { id } }`;
    const input = { postId: id, purpose: 'POST', kind: 'IMAGE', mimeType: 'image/png', width: 1, height: 1, bytes: 1 };
    const client = new MobileClient({ baseUrl: stack.mobile });
    await client.signIn(`${other.user.handle}@example.com`, 'correct horse battery');
    await expect(client.startUpload(id, { kind: 'IMAGE', mimeType: 'image/png', bytes: 1 })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect((await stack.subgraph('media', attach, { input }, { id: other.user.id, role: 'AUTHOR' })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await stack.subgraph('media', attach, { input: { ...input, postId: randomUUID() } }, { id: other.user.id, role: 'AUTHOR' })).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await graphql(stack.web, `query($id: ID!) { post(id: $id) { media { id } } }`, { id })).body.data.post.media).toEqual([]);
    expect((await stack.subgraph('media', attach, { input }, { id: author.user.id, role: 'AUTHOR' })).body.errors).toBeUndefined();
    expect((await stack.subgraph('media', attach, { input }, { id: randomUUID(), role: 'ADMIN' })).body.errors).toBeUndefined();
  });

  it('hides media on a draft from everyone but its author and admins', async () => {
    const author = await signUp(stack.web);
    const { id } = (await author.session.gql(`mutation { createPost(input: { title: "draft with a picture", body: "x" }) { id } }`)).body.data.createPost;
    const input = { postId: id, purpose: 'POST', kind: 'IMAGE', mimeType: 'image/png', width: 1, height: 1, bytes: 1, alt: 'unreleased' };
    const media = (await stack.subgraph('media', `mutation($input: CreateMediaInput!) { createMedia(input: $input) { id } }`, { input }, { id: author.user.id, role: 'AUTHOR' })).body.data.createMedia;
    const list = `query($p: ID!) { mediaList(postId: $p) { nodes { id alt } } }`;
    const one = `query($id: ID!) { media(id: $id) { id } }`;
    expect((await graphql(stack.web, list, { p: id })).body.data.mediaList.nodes).toEqual([]);
    expect((await graphql(stack.web, one, { id: media.id })).body.data.media).toBeNull();
    expect((await graphql(stack.web, `{ mediaList(first: 100) { nodes { id } } }`)).body.data.mediaList.nodes).not.toContainEqual({ id: media.id });
    expect((await author.session.gql(list, { p: id })).body.data.mediaList.nodes).toEqual([{ id: media.id, alt: 'unreleased' }]);
    expect((await admin.gql(one, { id: media.id })).body.data.media).toEqual({ id: media.id });
  });

  it('lets only a media record’s owner or an admin change or delete it', async () => {
    const owner = await signUp(stack.web);
    const other = await signUp(stack.web);
    const client = new MobileClient({ baseUrl: stack.mobile });
    await client.signIn(`${owner.user.handle}@example.com`, 'correct horse battery');
    const post = await client.createPost('with media', 'x');
    const media = await client.uploadMedia(post.id, await jpeg(20, 10), { kind: 'IMAGE', mimeType: 'image/jpeg' });
    const change = `mutation($id: ID!) { updateMedia(id: $id, input: { alt: "defaced" }) { alt } }`;
    expect((await other.session.gql(change, { id: media.id })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await stack.subgraph('media', `mutation($id: ID!) { deleteMedia(id: $id) }`, { id: media.id }, { id: other.user.id, role: 'AUTHOR' })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await owner.session.gql(change.replace('defaced', 'mine'), { id: media.id })).body.data.updateMedia.alt).toBe('mine');
    expect((await admin.gql(`mutation($id: ID!) { deleteMedia(id: $id) }`, { id: media.id })).body.data.deleteMedia).toBe(media.id);
  });
});

describe('query limits at the BFFs', () => {
  it.each([
    ['QUERY_TOO_DEEP', `{ posts { nodes { author { posts { nodes { author { posts { nodes { author { posts { nodes { media { post { title } } } } } } } } } } } } } }`],
    ['TOO_MANY_ALIASES', `{ post(id: "${randomUUID()}") { ${Array.from({ length: 31 }, (_, i) => `t${i}: title`).join(' ')} } }`],
    ['TOO_MANY_ROOT_FIELDS', `{ ${Array.from({ length: 16 }, (_, i) => `u${i}: __typename`).join(' ')} ${Array.from({ length: 16 }, (_, i) => `p${i}: posts(first: 1) { nodes { id } }`).join(' ')} }`],
    ['QUERY_TOO_COSTLY', `{ posts(first: 100) { nodes { author { posts(first: 100) { nodes { title media { id } } } } } } }`],
    ['TOO_MANY_ROOT_FIELDS', `{ ... on Query { ${Array.from({ length: 16 }, (_, i) => `p${i}: posts(first: 1) { nodes { id } }`).join(' ')} } }`],
    ['TOO_MANY_ROOT_FIELDS', `query { ...Many } fragment Many on Query { ${Array.from({ length: 16 }, (_, i) => `p${i}: posts(first: 1) { nodes { id } }`).join(' ')} }`],
    ['QUERY_TOO_COSTLY', `query($n: Int = 100) { posts(first: $n) { nodes { author { posts(first: $n) { nodes { title media { id } } } } } } }`],
    ['TOO_MANY_ROOT_FIELDS', `mutation { a: signIn(email: "the_admin@example.com", password: "guess one") { expiresAt } b: signIn(email: "the_admin@example.com", password: "guess two") { expiresAt } }`],
    ['QUERY_TOO_DEEP', `query { ...Deep } fragment Deep on Query { posts { nodes { author { posts { nodes { author { posts { nodes { author { posts { nodes { media { post { title } } } } } } } } } } } } } }`],
  ])('refuses %s before any subgraph is called (%#)', async (code, query) => {
    const before = await statementCount(stack.subgraphs.posts);
    const response = await graphql(stack.web, query);
    expect(response.status).toBe(400);
    expect(response.body.errors?.[0].extensions?.code).toBe(code);
    expect(await statementCount(stack.subgraphs.posts)).toBe(before);
  });

  it('lets the heaviest page the apps use through', async () => {
    const response = await graphql(stack.web, `{ posts(first: 100) { nodes { title author { handle avatar { url } } media { url(size: LARGE) owner { handle } } coverImage { url } } } }`);
    expect(response.body.errors).toBeUndefined();
  });
});
