import type { Viewer } from '../../lib/identity/assertion';
import { graphql, startStack, type GraphQLResponse, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/** The graph's own behaviour, through bff-web, against real subgraph processes and Postgres. */
let stack: Stack;
let anonymous: WebSession;

beforeAll(async () => {
  stack = await startStack();
  anonymous = new WebSession(stack.web);
});
afterAll(() => stack?.stop());

const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { id title status publishedAt bodyHtml author { id } } }`;
const CREATE_MEDIA = `mutation($input: CreateMediaInput!) { createMedia(input: $input) { id kind url(size: THUMB) } }`;

async function createPost(session: WebSession, title: string, status = 'PUBLISHED') {
  const { body } = await session.gql(CREATE_POST, { input: { title, body: `About *${title}*`, status } });
  expect(body.errors).toBeUndefined();
  return body.data.createPost;
}

/** createMedia is internal (not in the web contract): called on the subgraph as a BFF would, for `owner`. */
async function createImage(owner: Viewer, postId: string | null, position = 0) {
  const input = { postId, purpose: postId ? 'POST' : 'AVATAR', kind: 'IMAGE', mimeType: 'image/png', width: 800, height: 600, bytes: 1234, alt: 'a figure', position };
  const { body } = await stack.subgraph('media', CREATE_MEDIA, { input }, owner);
  expect(body.errors).toBeUndefined();
  return body.data.createMedia;
}

function errorOf(body: GraphQLResponse['body']) {
  expect(body.errors).toHaveLength(1);
  const [error] = body.errors!;
  return { code: error.extensions?.code, field: error.extensions?.field, message: error.message };
}

const asViewer = (user: { id: string; role: string }): Viewer => ({ id: user.id, role: user.role as Viewer['role'] });

describe('a query spanning all three subgraphs', () => {
  it('returns a post with its author, the author’s avatar, and its media, from one gateway URL', async () => {
    const { session, user } = await signUp(stack.web, 'ada_span');
    const avatar = await createImage(asViewer(user), null);
    const post = await createPost(session, 'Spanning the graph');
    const second = await createImage(asViewer(user), post.id, 2);
    const cover = await createImage(asViewer(user), post.id, 1);

    const { status, body } = await anonymous.gql(
      `query($id: ID!) { post(id: $id) {
          title bodyHtml
          author { handle avatar { id url(size: THUMB) } }
          media { id owner { handle } post { title } }
          coverImage { id url(size: LARGE) }
      } }`,
      { id: post.id },
    );
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.post).toEqual({
      title: 'Spanning the graph',
      bodyHtml: '<p>About <em>Spanning the graph</em></p>\n',
      author: { handle: 'ada_span', avatar: { id: avatar.id, url: `/media/${avatar.id}/thumb` } },
      media: [
        { id: cover.id, owner: { handle: 'ada_span' }, post: { title: 'Spanning the graph' } },
        { id: second.id, owner: { handle: 'ada_span' }, post: { title: 'Spanning the graph' } },
      ],
      coverImage: { id: cover.id, url: `/media/${cover.id}/large` },
    });
  });
});

describe('users', () => {
  it('signs up, reads, pages, updates and deletes an account', async () => {
    const accounts = await Promise.all(['pg_one', 'pg_two', 'pg_three'].map((h) => signUp(stack.web, h)));
    expect(accounts[0].user).toMatchObject({ handle: 'pg_one', role: 'AUTHOR' });

    const byHandle = await anonymous.gql(`{ userByHandle(handle: "PG_ONE") { id displayName } }`);
    expect(byHandle.body.data.userByHandle).toEqual({ id: accounts[0].user.id, displayName: 'PG_ONE' });

    // Walk all users two at a time: every user once, newest first.
    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    do {
      const page: GraphQLResponse = await anonymous.gql(`query($after: String) { users(first: 2, after: $after) { nodes { id createdAt } pageInfo { hasNextPage endCursor } } }`, { after });
      seen.push(...page.body.data.users.nodes);
      after = page.body.data.users.pageInfo.hasNextPage ? page.body.data.users.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length);
    for (const { user } of accounts) expect(seen.map((u) => u.id)).toContain(user.id);
    const times = seen.map((u) => u.createdAt);
    expect([...times].sort().reverse()).toEqual(times);

    const [one, two, three] = accounts;
    const updated = await two.session.gql(`mutation($id: ID!) { updateUser(id: $id, input: { displayName: "  Renamed " }) { displayName handle email } }`, { id: two.user.id });
    expect(updated.body.data.updateUser).toEqual({ displayName: 'Renamed', handle: 'pg_two', email: 'pg_two@example.com' });

    const deleted = await three.session.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: three.user.id });
    expect(deleted.body.data.deleteUser).toBe(three.user.id);
    expect((await one.session.gql(`query($id: ID!) { user(id: $id) { id } }`, { id: three.user.id })).body.data.user).toBeNull();
  });

  it('shows a deleted author as null, not as an error that hides the post', async () => {
    const { session, user } = await signUp(stack.web, 'gone_author');
    const post = await createPost(session, 'Orphaned');
    await session.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: user.id });
    const { body, headers } = await anonymous.gql(`query($id: ID!) { post(id: $id) { title author { handle } } }`, { id: post.id });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ post: { title: 'Orphaned', author: null } });
    // The gateway's own report of the nulled field (unmasked messages, INVALID_GRAPHQL) stays
    // inside; the partial answer is not stored by anyone, the BFF's response cache included.
    expect(JSON.stringify(body)).not.toMatch(/valueCompletion|INVALID_GRAPHQL|non-nullable/);
    expect(headers.get('cache-control')).toBe('no-store');
    const again = await anonymous.gql(`query($id: ID!) { post(id: $id) { title author { handle } } }`, { id: post.id });
    expect(again.headers.get('cache-control')).toBe('no-store');
    expect(again.headers.get('age')).toBeNull();
  });

  it.each([
    [{ handle: 'x' }, 'input.handle'],
    [{ handle: 'has space' }, 'input.handle'],
    [{ displayName: '   ' }, 'input.displayName'],
    [{ displayName: 'a\u0000b' }, 'input.displayName'],
    [{ email: 'not-an-email' }, 'input.email'],
    [{ password: 'short' }, 'input.password'],
    [{ password: 'aaaaaaaaaaaaaaaa' }, 'input.password'],
  ])('refuses a sign-up with %p with BAD_USER_INPUT on %s and stores nothing', async (fields, field) => {
    const before = await anonymous.gql(`{ users(first: 100) { nodes { id } } }`);
    const input = { handle: 'valid_name', displayName: 'Valid', email: 'valid@example.com', password: 'correct horse battery', ...fields };
    const { body, headers } = await new WebSession(stack.web).gql(`mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }`, { input });
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(body.data).toBeNull();
    expect(headers.getSetCookie()).toEqual([]);
    const after = await anonymous.gql(`{ users(first: 100) { nodes { id } } }`);
    expect(after.body.data.users.nodes).toEqual(before.body.data.users.nodes);
  });

  it('refuses a taken handle or email, whatever its case, and keeps the original', async () => {
    const original = await signUp(stack.web, 'taken');
    const attempt = (handle: string, email: string) =>
      new WebSession(stack.web).gql(`mutation($input: SignUpInput!) { signUp(input: $input) { user { id } } }`, {
        input: { handle, email, displayName: 'Other', password: 'correct horse battery' },
      });
    expect(errorOf((await attempt('TAKEN', 'other@example.com')).body)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.handle', message: 'input.handle: is already taken' });
    expect(errorOf((await attempt('other', 'TAKEN@example.com')).body)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    expect((await anonymous.gql(`{ userByHandle(handle: "other") { id } }`)).body.data.userByHandle).toBeNull();
    expect((await anonymous.gql(`{ userByHandle(handle: "taken") { id displayName } }`)).body.data.userByHandle).toEqual({ id: original.user.id, displayName: 'TAKEN' });
  });

  it('answers NOT_FOUND for an admin’s update or delete of a user that does not exist', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const admin: Viewer = { id: '00000000-0000-4000-8000-00000000000a', role: 'ADMIN' };
    expect(errorOf((await stack.subgraph('users', `mutation($id: ID!) { updateUser(id: $id, input: { displayName: "x" }) { id } }`, { id }, admin)).body).code).toBe('NOT_FOUND');
    expect(errorOf((await stack.subgraph('users', `mutation($id: ID!) { deleteUser(id: $id) }`, { id }, admin)).body).code).toBe('NOT_FOUND');
  });
});

describe('posts', () => {
  it('keeps drafts out of the published list, publishes, unpublishes, and renders Markdown safely', async () => {
    const { session, user } = await signUp(stack.web, 'poster');
    const draft = await createPost(session, 'Draft first', 'DRAFT');
    expect(draft).toMatchObject({ status: 'DRAFT', publishedAt: null, author: { id: user.id } });

    const listed = async () => (await anonymous.gql(`query($a: ID!) { posts(authorId: $a) { nodes { id } } }`, { a: user.id })).body.data.posts.nodes.map((p: { id: string }) => p.id);
    expect(await listed()).toEqual([]);

    const published = await session.gql(`mutation($id: ID!) { updatePost(id: $id, input: { status: PUBLISHED, body: "<script>x()</script>\\n\\n**ok**" }) { status publishedAt bodyHtml } }`, { id: draft.id });
    const { publishedAt, bodyHtml, status } = published.body.data.updatePost;
    expect(status).toBe('PUBLISHED');
    expect(Date.parse(publishedAt)).toBeGreaterThan(0);
    expect(bodyHtml).toBe('<p>&lt;script&gt;x()&lt;/script&gt;</p>\n<p><strong>ok</strong></p>\n');
    expect(await listed()).toEqual([draft.id]);

    const edited = await session.gql(`mutation($id: ID!) { updatePost(id: $id, input: { title: "Edited" }) { title publishedAt } }`, { id: draft.id });
    expect(edited.body.data.updatePost).toEqual({ title: 'Edited', publishedAt });

    const unpublished = await session.gql(`mutation($id: ID!) { updatePost(id: $id, input: { status: DRAFT }) { status publishedAt } }`, { id: draft.id });
    expect(unpublished.body.data.updatePost).toEqual({ status: 'DRAFT', publishedAt: null });
    expect(await listed()).toEqual([]);
    const drafts = await session.gql(`{ posts(status: DRAFT) { nodes { id } } }`);
    expect(drafts.body.data.posts.nodes).toEqual([{ id: draft.id }]);
  });

  it('lists a user’s posts through the User entity, paged, with ties in createdAt broken by id', async () => {
    const { session, user } = await signUp(stack.web, 'prolific');
    for (const title of ['one', 'two', 'three', 'four', 'five']) await createPost(session, title);
    const titles: string[] = [];
    let after: string | null = null;
    do {
      const page: GraphQLResponse = await anonymous.gql(`query($id: ID!, $after: String) { user(id: $id) { posts(first: 2, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } } } }`, { id: user.id, after });
      titles.push(...page.body.data.user.posts.nodes.map((p: { title: string }) => p.title));
      after = page.body.data.user.posts.pageInfo.hasNextPage ? page.body.data.user.posts.pageInfo.endCursor : null;
    } while (after);
    expect(titles).toEqual(['five', 'four', 'three', 'two', 'one']);
  });

  it.each([
    [{ title: '', body: 'x' }, 'input.title'],
    [{ title: 'x'.repeat(201), body: 'x' }, 'input.title'],
    [{ title: 'ok', body: 'x'.repeat(100_001) }, 'input.body'],
    [{ title: 'nul\u0000', body: 'x' }, 'input.title'],
  ])('refuses a post with a bad field (%#) with BAD_USER_INPUT on %s and stores nothing', async (fields, field) => {
    const { session } = await signUp(stack.web);
    const { body } = await session.gql(CREATE_POST, { input: { status: 'PUBLISHED', ...fields } });
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const listed = await session.gql(`{ me { posts { nodes { id } } drafts: posts(status: DRAFT) { nodes { id } } } }`);
    expect(listed.body.data.me).toEqual({ posts: { nodes: [] }, drafts: { nodes: [] } });
  });

  it('deletes a post, and a second delete is NOT_FOUND', async () => {
    const { session } = await signUp(stack.web, 'deleter');
    const post = await createPost(session, 'Short-lived');
    expect((await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id })).body.data.deletePost).toBe(post.id);
    expect((await anonymous.gql(`query($id: ID!) { post(id: $id) { id } }`, { id: post.id })).body.data.post).toBeNull();
    expect(errorOf((await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id })).body).code).toBe('NOT_FOUND');
  });
});

describe('media', () => {
  it('creates, lists, updates and deletes media records', async () => {
    const { session, user } = await signUp(stack.web, 'photographer');
    const owner = asViewer(user);
    const post = await createPost(session, 'Gallery');
    const image = await createImage(owner, post.id);
    expect(image).toEqual({ id: image.id, kind: 'IMAGE', url: `/media/${image.id}/thumb` });

    const video = await stack.subgraph('media', CREATE_MEDIA, { input: { postId: post.id, purpose: 'POST', kind: 'VIDEO', mimeType: 'video/mp4', bytes: 99, position: 5 } }, owner);
    expect(video.body.data.createMedia.url).toBe(`/media/${video.body.data.createMedia.id}/original`);

    const list = await anonymous.gql(`query($p: ID!) { mediaList(postId: $p) { nodes { id kind } } }`, { p: post.id });
    expect(list.body.data.mediaList.nodes.map((m: { kind: string }) => m.kind)).toEqual(['VIDEO', 'IMAGE']);

    const updated = await session.gql(`mutation($id: ID!) { updateMedia(id: $id, input: { alt: " A sunset ", position: 9 }) { alt position } }`, { id: image.id });
    expect(updated.body.data.updateMedia).toEqual({ alt: 'A sunset', position: 9 });

    await session.gql(`mutation($id: ID!) { deleteMedia(id: $id) }`, { id: image.id });
    const after = await anonymous.gql(`query($id: ID!) { post(id: $id) { media { kind } coverImage { id } } }`, { id: post.id });
    expect(after.body.data.post).toEqual({ media: [{ kind: 'VIDEO' }], coverImage: null });
  });

  it.each([
    [{ purpose: 'POST', kind: 'IMAGE', mimeType: 'video/mp4' }, 'input.mimeType'],
    [{ purpose: 'POST', kind: 'IMAGE', mimeType: 'image/png', width: null }, 'input.width'],
    [{ purpose: 'POST', kind: 'IMAGE', mimeType: 'image/png', bytes: 0 }, 'input.bytes'],
    [{ purpose: 'POST', kind: 'IMAGE', mimeType: 'image/png', postId: null }, 'input.postId'],
    [{ purpose: 'AVATAR', kind: 'VIDEO', mimeType: 'video/mp4', postId: null }, 'input.kind'],
    [{ purpose: 'POST', kind: 'IMAGE', mimeType: 'image/png', alt: 'a'.repeat(501) }, 'input.alt'],
  ])('refuses %p with BAD_USER_INPUT on %s and stores nothing', async (fields, field) => {
    const { session, user } = await signUp(stack.web);
    const post = await createPost(session, 'Target');
    const input = { postId: post.id, width: 10, height: 10, bytes: 10, ...fields };
    const { body } = await stack.subgraph('media', CREATE_MEDIA, { input }, asViewer(user));
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const list = await anonymous.gql(`query($o: ID!) { mediaList(ownerId: $o) { nodes { id } } }`, { o: user.id });
    expect(list.body.data.mediaList.nodes).toEqual([]);
  });
});

describe('errors and endpoints', () => {
  it('answers a malformed id with BAD_USER_INPUT, not a database error', async () => {
    const { body } = await anonymous.gql(`{ post(id: "1; DROP TABLE posts") { id } }`);
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('answers a crafted cursor with BAD_USER_INPUT on every list', async () => {
    const forged = Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000Z', 'x'])).toString('base64url');
    for (const query of [`{ users(after: "${forged}") { nodes { id } } }`, `{ posts(after: "${forged}") { nodes { id } } }`, `{ mediaList(after: "${forged}") { nodes { id } } }`]) {
      expect(errorOf((await anonymous.gql(query)).body).code).toBe('BAD_USER_INPUT');
    }
  });

  it('answers an invalid query with GRAPHQL_VALIDATION_FAILED', async () => {
    const { status, body } = await anonymous.gql(`{ posts { nodes { nonsense } } }`);
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('never shows stack traces, SQL or internal URLs to a client', async () => {
    const bad = [
      await anonymous.gql(`{ users(after: "nope") { nodes { id } } }`),
      await anonymous.gql(`{ post(id: "zzz") { id } }`),
      await anonymous.gql(`{ users(first: 1000) { nodes { id } } }`),
      await anonymous.gql(`{ userByHandle(handle: "a\\u0000b") { id } }`),
    ];
    for (const { body } of bad) expect(JSON.stringify(body)).not.toMatch(/stacktrace|at \w+ \(|SELECT |prisma|127\.0\.0\.1|localhost|postgres/i);
  });

  it('answers malformed JSON and a malformed URL with 400, and keeps serving', async () => {
    const response = await fetch(`${stack.web}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as GraphQLResponse['body']).errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    const net = await import('node:net');
    const raw = await new Promise<string>((resolve) => {
      const socket = net.connect(stack.bffs['bff-web'].port, '127.0.0.1', () => socket.end('GET http://a:b:c/ HTTP/1.1\r\nHost: x\r\n\r\n'));
      let data = '';
      socket.on('data', (chunk) => (data += chunk)).on('close', () => resolve(data));
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect((await fetch(`${stack.web}/health`)).status).toBe(200);
  });

  it('serves /health and /ready on every service, and passes the request id to the subgraphs', async () => {
    for (const origin of [stack.web, stack.mobile, ...Object.values(stack.subgraphs).map((s) => s.origin)]) {
      expect((await fetch(`${origin}/health`)).status).toBe(200);
      expect(await (await fetch(`${origin}/ready`)).json()).toEqual({ status: 'ready' });
    }
    const { headers } = await anonymous.gql(`{ posts(first: 1) { nodes { id author { handle } } } }`, undefined, { 'x-request-id': 'trace-graph-42' });
    expect(headers.get('x-request-id')).toBe('trace-graph-42');
    // Each subgraph logs the request after answering it: wait for the line to come through the pipe.
    for (const name of ['posts', 'users'] as const) {
      const logged = () => stack.subgraphs[name].output.some((line) => line.includes('"requestId":"trace-graph-42"'));
      for (const deadline = Date.now() + 5_000; !logged() && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 20));
      expect(logged()).toBe(true);
    }
    const malformed = await anonymous.gql(`{ posts(first: 1) { nodes { id } } }`, undefined, { 'x-request-id': 'bad id with spaces' });
    expect(malformed.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

it('a direct call to a subgraph without a gateway assertion is refused with 401, before anything runs', async () => {
  const before = (await anonymous.gql(`{ users(first: 100) { nodes { id } } }`)).body.data.users.nodes.length;
  const response = await stack.subgraph('users', `mutation { signUp(input: { email: "x@example.com", password: "correct horse battery", handle: "sneaky", displayName: "S" }) { user { id } } }`, {}, 'none');
  expect(response.status).toBe(401);
  expect(response.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect((await anonymous.gql(`{ users(first: 100) { nodes { id } } }`)).body.data.users.nodes.length).toBe(before);
  expect((await graphql(stack.subgraphs.users.origin, '{ __typename }')).status).toBe(401);
});
