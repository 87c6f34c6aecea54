import { graphql, startStack, type GraphQLResponse, type Stack } from '../support/stack';

/** The graph's own behaviour, through the one gateway URL, against real subgraph processes and Postgres. */
let stack: Stack;
const gql = (query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GraphQLResponse> =>
  graphql(stack.gateway, query, variables, headers);

beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const CREATE_USER = `mutation($input: CreateUserInput!) { createUser(input: $input) { id handle displayName email role createdAt } }`;
const CREATE_POST = `mutation($input: CreatePostInput!) { createPost(input: $input) { id title status publishedAt bodyHtml } }`;
const CREATE_MEDIA = `mutation($input: CreateMediaInput!) { createMedia(input: $input) { id kind url(size: THUMB) } }`;

async function createUser(handle: string, role = 'AUTHOR') {
  const { body } = await gql(CREATE_USER, { input: { handle, displayName: handle.toUpperCase(), email: `${handle}@example.com`, role } });
  expect(body.errors).toBeUndefined();
  return body.data.createUser;
}

async function createPost(authorId: string, title: string, status = 'PUBLISHED') {
  const { body } = await gql(CREATE_POST, { input: { authorId, title, body: `About *${title}*`, status } });
  expect(body.errors).toBeUndefined();
  return body.data.createPost;
}

async function createImage(ownerId: string, postId: string | null, position = 0) {
  const input = { ownerId, postId, purpose: postId ? 'POST' : 'AVATAR', kind: 'IMAGE', mimeType: 'image/png', width: 800, height: 600, bytes: 1234, alt: 'a figure', position };
  const { body } = await gql(CREATE_MEDIA, { input });
  expect(body.errors).toBeUndefined();
  return body.data.createMedia;
}

function errorOf(body: { errors?: { extensions?: Record<string, any>; message: string }[] }) {
  expect(body.errors).toHaveLength(1);
  const [error] = body.errors!;
  return { code: error.extensions?.code, field: error.extensions?.field, message: error.message };
}

describe('a query spanning all three subgraphs', () => {
  it('returns posts with their author, the author’s avatar, and their media, from one gateway URL', async () => {
    const ada = await createUser('ada_span');
    const avatar = await createImage(ada.id, null);
    const post = await createPost(ada.id, 'Spanning the graph');
    const second = await createImage(ada.id, post.id, 2);
    const cover = await createImage(ada.id, post.id, 1);

    const { status, body } = await gql(
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
  it('creates, reads, pages, updates and deletes a user', async () => {
    const created = await Promise.all(['pg_one', 'pg_two', 'pg_three'].map((h) => createUser(h, 'READER')));
    expect(created[0]).toMatchObject({ handle: 'pg_one', displayName: 'PG_ONE', email: 'pg_one@example.com', role: 'READER' });

    const byHandle = await gql(`{ userByHandle(handle: "PG_ONE") { id } }`);
    expect(byHandle.body.data.userByHandle.id).toBe(created[0].id);

    // Walk all users two at a time: every user once, newest first.
    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    do {
      const page: any = await gql(`query($after: String) { users(first: 2, after: $after) { nodes { id createdAt } pageInfo { hasNextPage endCursor } } }`, { after });
      seen.push(...page.body.data.users.nodes);
      after = page.body.data.users.pageInfo.hasNextPage ? page.body.data.users.pageInfo.endCursor : null;
    } while (after);
    expect(new Set(seen.map((u) => u.id)).size).toBe(seen.length);
    for (const user of created) expect(seen.map((u) => u.id)).toContain(user.id);
    const times = seen.map((u) => u.createdAt);
    expect([...times].sort().reverse()).toEqual(times);

    const updated = await gql(`mutation($id: ID!) { updateUser(id: $id, input: { displayName: "  Renamed ", role: ADMIN }) { displayName role handle } }`, { id: created[1].id });
    expect(updated.body.data.updateUser).toEqual({ displayName: 'Renamed', role: 'ADMIN', handle: 'pg_two' });

    const deleted = await gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: created[2].id });
    expect(deleted.body.data.deleteUser).toBe(created[2].id);
    expect((await gql(`query($id: ID!) { user(id: $id) { id } }`, { id: created[2].id })).body.data.user).toBeNull();
  });

  it('shows a deleted author as null, not as an error that hides the post', async () => {
    const gone = await createUser('gone_author');
    const post = await createPost(gone.id, 'Orphaned');
    await gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: gone.id });
    const { body } = await gql(`query($id: ID!) { post(id: $id) { title author { handle } } }`, { id: post.id });
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({ post: { title: 'Orphaned', author: null } });
  });

  it.each([
    [{ handle: 'x', displayName: 'X', email: 'x@example.com' }, 'input.handle'],
    [{ handle: 'has space', displayName: 'X', email: 'x@example.com' }, 'input.handle'],
    [{ handle: 'valid_name', displayName: '   ', email: 'x@example.com' }, 'input.displayName'],
    [{ handle: 'valid_name', displayName: 'X', email: 'not-an-email' }, 'input.email'],
  ])('refuses %p with BAD_USER_INPUT on %s and stores nothing', async (input, field) => {
    const before = await gql(`{ users(first: 100) { nodes { id } } }`);
    const { body } = await gql(CREATE_USER, { input });
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(body.data).toBeNull();
    const after = await gql(`{ users(first: 100) { nodes { id } } }`);
    expect(after.body.data.users.nodes).toEqual(before.body.data.users.nodes);
  });

  it('refuses a taken handle or email, whatever its case, and keeps the original', async () => {
    const original = await createUser('taken');
    const handle = await gql(CREATE_USER, { input: { handle: 'TAKEN', displayName: 'Other', email: 'other@example.com' } });
    expect(errorOf(handle.body)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.handle', message: 'input.handle: is already taken' });
    const email = await gql(CREATE_USER, { input: { handle: 'other', displayName: 'Other', email: 'TAKEN@example.com' } });
    expect(errorOf(email.body)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.email' });
    expect((await gql(`{ userByHandle(handle: "other") { id } }`)).body.data.userByHandle).toBeNull();
    expect((await gql(`{ userByHandle(handle: "taken") { id displayName } }`)).body.data.userByHandle).toEqual({ id: original.id, displayName: 'TAKEN' });
  });

  it('answers NOT_FOUND for an update or delete of a user that does not exist', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expect(errorOf((await gql(`mutation($id: ID!) { updateUser(id: $id, input: { displayName: "x" }) { id } }`, { id })).body).code).toBe('NOT_FOUND');
    expect(errorOf((await gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id })).body).code).toBe('NOT_FOUND');
  });
});

describe('posts', () => {
  it('keeps drafts out of the published list, publishes once, and renders Markdown safely', async () => {
    const author = await createUser('poster');
    const draft = await createPost(author.id, 'Draft first', 'DRAFT');
    expect(draft).toMatchObject({ status: 'DRAFT', publishedAt: null });

    const listed = async () =>
      (await gql(`query($a: ID!) { posts(authorId: $a) { nodes { id } } }`, { a: author.id })).body.data.posts.nodes.map((p: any) => p.id);
    expect(await listed()).toEqual([]);

    const published = await gql(
      `mutation($id: ID!) { updatePost(id: $id, input: { status: PUBLISHED, body: "<script>x()</script>\\n\\n**ok**" }) { status publishedAt bodyHtml } }`,
      { id: draft.id },
    );
    const { publishedAt, bodyHtml, status } = published.body.data.updatePost;
    expect(status).toBe('PUBLISHED');
    expect(Date.parse(publishedAt)).toBeGreaterThan(0);
    expect(bodyHtml).toBe('<p><strong>ok</strong></p>\n');
    expect(await listed()).toEqual([draft.id]);

    const again = await gql(`mutation($id: ID!) { updatePost(id: $id, input: { title: "Edited" }) { title publishedAt } }`, { id: draft.id });
    expect(again.body.data.updatePost).toEqual({ title: 'Edited', publishedAt });

    const drafts = await gql(`query($a: ID!) { posts(authorId: $a, status: DRAFT) { nodes { id } } }`, { a: author.id });
    expect(drafts.body.data.posts.nodes).toEqual([]);
  });

  it('lists a user’s posts through the User entity, paged', async () => {
    const author = await createUser('prolific');
    const posts = [];
    for (const title of ['one', 'two', 'three']) posts.push(await createPost(author.id, title));
    const first = await gql(`query($id: ID!) { user(id: $id) { posts(first: 2) { nodes { title } pageInfo { hasNextPage endCursor } } } }`, { id: author.id });
    expect(first.body.data.user.posts.nodes).toEqual([{ title: 'three' }, { title: 'two' }]);
    expect(first.body.data.user.posts.pageInfo.hasNextPage).toBe(true);
    const rest = await gql(`query($id: ID!, $after: String) { user(id: $id) { posts(first: 2, after: $after) { nodes { title } pageInfo { hasNextPage } } } }`, {
      id: author.id,
      after: first.body.data.user.posts.pageInfo.endCursor,
    });
    expect(rest.body.data.user.posts).toEqual({ nodes: [{ title: 'one' }], pageInfo: { hasNextPage: false } });
  });

  it.each([
    [{ title: '', body: 'x' }, 'input.title'],
    [{ title: 'x'.repeat(201), body: 'x' }, 'input.title'],
    [{ title: 'ok', body: 'x'.repeat(100_001) }, 'input.body'],
    [{ title: 'ok', body: 'x', authorId: 'not-a-uuid' }, 'input.authorId'],
  ])('refuses a post with a bad field (%#) with BAD_USER_INPUT on %s and stores nothing', async (fields, field) => {
    const author = await createUser(`bad_post_${field.replace(/\W/g, '')}_${fields.title.length}`);
    const { body } = await gql(CREATE_POST, { input: { authorId: author.id, status: 'PUBLISHED', ...fields } });
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const listed = await gql(`query($a: ID!) { posts(authorId: $a) { nodes { id } } drafts: posts(authorId: $a, status: DRAFT) { nodes { id } } }`, { a: author.id });
    expect(listed.body.data).toEqual({ posts: { nodes: [] }, drafts: { nodes: [] } });
  });

  it('deletes a post, and a second delete is NOT_FOUND', async () => {
    const author = await createUser('deleter');
    const post = await createPost(author.id, 'Short-lived');
    expect((await gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id })).body.data.deletePost).toBe(post.id);
    expect((await gql(`query($id: ID!) { post(id: $id) { id } }`, { id: post.id })).body.data.post).toBeNull();
    expect(errorOf((await gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: post.id })).body).code).toBe('NOT_FOUND');
  });
});

describe('media', () => {
  it('creates, lists, updates and deletes media records', async () => {
    const owner = await createUser('photographer');
    const post = await createPost(owner.id, 'Gallery');
    const image = await createImage(owner.id, post.id);
    expect(image).toEqual({ id: image.id, kind: 'IMAGE', url: `/media/${image.id}/thumb` });

    const video = await gql(CREATE_MEDIA, {
      input: { ownerId: owner.id, postId: post.id, purpose: 'POST', kind: 'VIDEO', mimeType: 'video/mp4', bytes: 99, position: 5 },
    });
    expect(video.body.data.createMedia.url).toBe(`/media/${video.body.data.createMedia.id}/original`);

    const list = await gql(`query($p: ID!) { mediaList(postId: $p) { nodes { id kind } } }`, { p: post.id });
    expect(list.body.data.mediaList.nodes.map((m: any) => m.kind)).toEqual(['VIDEO', 'IMAGE']);

    const updated = await gql(`mutation($id: ID!) { updateMedia(id: $id, input: { alt: " A sunset ", position: 9 }) { alt position } }`, { id: image.id });
    expect(updated.body.data.updateMedia).toEqual({ alt: 'A sunset', position: 9 });

    await gql(`mutation($id: ID!) { deleteMedia(id: $id) }`, { id: image.id });
    const after = await gql(`query($id: ID!) { post(id: $id) { media { kind } coverImage { id } } }`, { id: post.id });
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
    const owner = await createUser(`m_${field.replace(/\W/g, '')}_${String(fields.mimeType).length}_${'bytes' in fields ? 'b' : 'x'}`);
    const post = await createPost(owner.id, 'Target');
    const input = { ownerId: owner.id, postId: post.id, width: 10, height: 10, bytes: 10, ...fields };
    const { body } = await gql(CREATE_MEDIA, { input });
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field });
    const list = await gql(`query($o: ID!) { mediaList(ownerId: $o) { nodes { id } } }`, { o: owner.id });
    expect(list.body.data.mediaList.nodes).toEqual([]);
  });
});

describe('errors and endpoints', () => {
  it('answers a malformed id with BAD_USER_INPUT, not a database error', async () => {
    const { body } = await gql(`{ post(id: "1; DROP TABLE posts") { id } }`);
    expect(errorOf(body)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('answers an invalid query with GRAPHQL_VALIDATION_FAILED', async () => {
    const { status, body } = await gql(`{ posts { nodes { nonsense } } }`);
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('never shows stack traces, SQL or internal URLs to a client', async () => {
    const bad = [
      await gql(`{ users(after: "nope") { nodes { id } } }`),
      await gql(`{ post(id: "zzz") { id } }`),
      await gql(`{ users(first: 1000) { nodes { id } } }`),
    ];
    for (const { body } of bad) {
      const text = JSON.stringify(body);
      expect(text).not.toMatch(/stacktrace|at \w+ \(|SELECT |prisma|127\.0\.0\.1|localhost|postgres/i);
    }
  });

  it('answers malformed JSON with 400 and a code', async () => {
    const response = await fetch(`${stack.gateway}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as GraphQLResponse['body'];
    expect(body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
  });

  it('serves /health and /ready on every service, and echoes a request id', async () => {
    for (const origin of [stack.gateway, ...Object.values(stack.subgraphs).map((s) => s.origin)]) {
      expect((await fetch(`${origin}/health`)).status).toBe(200);
      expect(await (await fetch(`${origin}/ready`)).json()).toEqual({ status: 'ready' });
    }
    const { headers } = await gql(`{ posts(first: 1) { nodes { id } } }`, undefined, { 'x-request-id': 'test-request-42' });
    expect(headers.get('x-request-id')).toBe('test-request-42');
  });
});
