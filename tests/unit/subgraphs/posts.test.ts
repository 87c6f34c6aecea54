import { randomUUID } from 'node:crypto';
import type { Viewer } from '../../../lib/identity/assertion';
import { loadPostsConfig } from '../../../subgraphs/posts/config';
import { createPostsSubgraph } from '../../../subgraphs/posts/subgraph';
import { codes, gatewayKey, inProcessSubgraph, type InProcessSubgraph } from '../../support/in-process';
import { createTestDatabases, type TestDatabases } from '../../support/test-databases';

/**
 * The posts subgraph in process: drafts exist only for their author and admins (as a query and as
 * entities), only the author or an admin changes a post, cursors are sealed, Markdown is made safe.
 * Posts knows people only by the assertion, so viewers are made up here, as users would issue them.
 */

let databases: TestDatabases;
let posts: InProcessSubgraph;

const author: Viewer = { id: randomUUID(), role: 'AUTHOR' };
const other: Viewer = { id: randomUUID(), role: 'AUTHOR' };
const reader: Viewer = { id: randomUUID(), role: 'READER' };
const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };

const FIELDS = 'id title body bodyHtml status publishedAt author { id }';
const CREATE = `mutation Create($input: CreatePostInput!) { createPost(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdatePostInput!) { updatePost(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = `mutation Delete($id: ID!) { deletePost(id: $id) }`;
const POST = `query Post($id: ID!) { post(id: $id) { id status } }`;
const ENTITIES = `query Posts($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id status } } }`;

interface Post {
  id: string;
  title: string;
  body: string;
  bodyHtml: string;
  status: 'DRAFT' | 'PUBLISHED';
  publishedAt: string | null;
}

async function create(viewer: Viewer, title: string, status: Post['status'], body = `About ${title}`): Promise<Post> {
  const result = await posts.run(viewer, CREATE, { input: { title, body, status } });
  expect(result.errors).toBeUndefined();
  return result.data.createPost;
}

let draft: Post;
let published: Post;

beforeAll(async () => {
  databases = await createTestDatabases(['posts']);
  posts = await inProcessSubgraph('posts', createPostsSubgraph, loadPostsConfig, await gatewayKey(), databases);
  draft = await create(author, 'A draft', 'DRAFT');
  published = await create(author, 'Out there', 'PUBLISHED');
});

afterAll(async () => {
  await posts?.stop();
  await databases?.drop();
});

const stored = async (id: string) => (await posts.sql('SELECT title, status::text AS status FROM posts WHERE id = $1', [id]))[0];

describe('drafts', () => {
  it('are found by their author and admins only, by id', async () => {
    const seen = async (viewer: Viewer | null, post: Post) => {
      const result = await posts.run(viewer, POST, { id: post.id });
      expect(result.errors).toBeUndefined();
      return result.data.post;
    };
    expect(await seen(author, draft)).toEqual({ id: draft.id, status: 'DRAFT' });
    expect(await seen(admin, draft)).toEqual({ id: draft.id, status: 'DRAFT' });
    expect(await seen(other, draft)).toBeNull();
    expect(await seen(reader, draft)).toBeNull();
    expect(await seen(null, draft)).toBeNull();
    expect(await seen(null, published)).toEqual({ id: published.id, status: 'PUBLISHED' });
  });

  it('resolve as entities for their author and admins only', async () => {
    const representations = [draft, published].map(({ id }) => ({ __typename: 'Post', id }));
    const entities = async (viewer: Viewer | null) => (await posts.run(viewer, ENTITIES, { r: representations })).data._entities;
    expect(await entities(author)).toEqual([{ id: draft.id, status: 'DRAFT' }, { id: published.id, status: 'PUBLISHED' }]);
    expect(await entities(admin)).toEqual([{ id: draft.id, status: 'DRAFT' }, { id: published.id, status: 'PUBLISHED' }]);
    expect(await entities(other)).toEqual([null, { id: published.id, status: 'PUBLISHED' }]);
    expect(await entities(null)).toEqual([null, { id: published.id, status: 'PUBLISHED' }]);
  });

  it("are listed for their author only; asking for someone else's is FORBIDDEN, anonymously UNAUTHENTICATED", async () => {
    const LIST = `query Drafts($authorId: ID) { posts(status: DRAFT, authorId: $authorId) { nodes { id } } }`;
    const mine = await posts.run(author, LIST, {});
    expect(mine.data.posts.nodes).toEqual([{ id: draft.id }]);
    expect((await posts.run(other, LIST, {})).data.posts.nodes).toEqual([]);
    expect(codes(await posts.run(other, LIST, { authorId: author.id }))).toEqual(['FORBIDDEN']);
    expect(codes(await posts.run(null, LIST, {}))).toEqual(['UNAUTHENTICATED']);
    const feed = await posts.run(null, `{ posts(first: 100) { nodes { id } } }`);
    expect(feed.data.posts.nodes.map((p: { id: string }) => p.id)).not.toContain(draft.id);
    const userPosts = await posts.run(other, `query U($r: [_Any!]!) { _entities(representations: $r) { ... on User { posts(status: DRAFT) { nodes { id } } } } }`, {
      r: [{ __typename: 'User', id: author.id }],
    });
    expect(codes(userPosts)).toEqual(['FORBIDDEN']);
  });
});

describe('writing', () => {
  it('is for authors and admins: a reader is FORBIDDEN, an anonymous caller UNAUTHENTICATED, and nothing is stored', async () => {
    const before = (await posts.sql('SELECT count(*)::int AS n FROM posts'))[0].n;
    expect(codes(await posts.run(reader, CREATE, { input: { title: 'No', body: 'no' } }))).toEqual(['FORBIDDEN']);
    expect(codes(await posts.run(null, CREATE, { input: { title: 'No', body: 'no' } }))).toEqual(['UNAUTHENTICATED']);
    const blank = await posts.run(author, CREATE, { input: { title: '  ', body: 'no' } });
    expect(codes(blank)).toEqual(['BAD_USER_INPUT']);
    expect(blank.errors![0].extensions!.field).toBe('input.title');
    expect((await posts.sql('SELECT count(*)::int AS n FROM posts'))[0].n).toBe(before);
  });

  it("another author cannot change or delete a post: FORBIDDEN for a published one, NOT_FOUND for a draft they cannot see", async () => {
    expect(codes(await posts.run(other, UPDATE, { id: published.id, input: { title: 'Mine now' } }))).toEqual(['FORBIDDEN']);
    expect(codes(await posts.run(other, DELETE, { id: published.id }))).toEqual(['FORBIDDEN']);
    expect(codes(await posts.run(other, UPDATE, { id: draft.id, input: { status: 'PUBLISHED' } }))).toEqual(['NOT_FOUND']);
    expect(codes(await posts.run(other, DELETE, { id: draft.id }))).toEqual(['NOT_FOUND']);
    expect(codes(await posts.run(null, DELETE, { id: published.id }))).toEqual(['UNAUTHENTICATED']);
    expect(await stored(published.id)).toEqual({ title: published.title, status: 'PUBLISHED' });
    expect(await stored(draft.id)).toEqual({ title: draft.title, status: 'DRAFT' });
  });

  it('the author publishes and unpublishes (publishedAt follows); an admin may edit it too', async () => {
    const post = await create(author, 'Soon', 'DRAFT');
    expect(post.publishedAt).toBeNull();
    const out = (await posts.run(author, UPDATE, { id: post.id, input: { status: 'PUBLISHED' } })).data.updatePost;
    expect(out.status).toBe('PUBLISHED');
    expect(Date.parse(out.publishedAt)).not.toBeNaN();
    const edited = await posts.run(admin, UPDATE, { id: post.id, input: { title: 'Edited by an admin' } });
    expect(edited.errors).toBeUndefined();
    expect(edited.data.updatePost).toMatchObject({ title: 'Edited by an admin', publishedAt: out.publishedAt, author: { id: author.id } });
    const back = (await posts.run(author, UPDATE, { id: post.id, input: { status: 'DRAFT' } })).data.updatePost;
    expect(back).toMatchObject({ status: 'DRAFT', publishedAt: null });
  });

  it("a demoted author (now a reader) keeps their posts and may delete them, but not change or publish them", async () => {
    const demoted: Viewer = { id: randomUUID(), role: 'AUTHOR' };
    const kept = await create(demoted, 'Written as an author', 'DRAFT');
    const asReader: Viewer = { ...demoted, role: 'READER' };
    for (const input of [{ title: 'Rewritten as a reader' }, { status: 'PUBLISHED' }]) {
      const refused = await posts.run(asReader, UPDATE, { id: kept.id, input });
      expect(codes(refused)).toEqual(['FORBIDDEN']);
    }
    expect(await stored(kept.id)).toEqual({ title: 'Written as an author', status: 'DRAFT' });
    // Someone else's hidden draft stays NOT_FOUND to a reader, as to anyone.
    expect(codes(await posts.run(reader, UPDATE, { id: draft.id, input: { title: 'x' } }))).toEqual(['NOT_FOUND']);
    expect((await posts.run(asReader, DELETE, { id: kept.id })).data.deletePost).toBe(kept.id);
  });

  it('the author deletes a post, which writes its PostDeleted event in the same transaction, after the earlier ones', async () => {
    const post = await create(author, 'Short-lived', 'PUBLISHED');
    expect((await posts.run(author, UPDATE, { id: post.id, input: { status: 'DRAFT' } })).errors).toBeUndefined();
    // Not a change of status: no event.
    expect((await posts.run(author, UPDATE, { id: post.id, input: { status: 'DRAFT', title: 'Still short-lived' } })).errors).toBeUndefined();
    const result = await posts.run(author, DELETE, { id: post.id });
    expect(result.errors).toBeUndefined();
    expect(result.data.deletePost).toBe(post.id);
    expect(await stored(post.id)).toBeUndefined();
    const events = await posts.sql(`SELECT type, sequence, payload FROM outbox_events WHERE aggregate_id = $1 ORDER BY position`, [post.id]);
    const payload = { postId: post.id, authorId: author.id };
    expect(events).toEqual([
      { type: 'PostPublished', sequence: 1, payload },
      { type: 'PostUnpublished', sequence: 2, payload },
      { type: 'PostDeleted', sequence: 3, payload },
    ]);
    // A failed deletion writes nothing.
    expect(codes(await posts.run(author, DELETE, { id: post.id }))).toEqual(['NOT_FOUND']);
    expect(await posts.sql(`SELECT count(*)::int AS n FROM outbox_events WHERE aggregate_id = $1`, [post.id])).toEqual([{ n: 3 }]);
  });
});

describe('pagination', () => {
  const PAGE = `query Page($authorId: ID, $first: Int, $after: String) {
    posts(authorId: $authorId, first: $first, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } }
  }`;
  const writer: Viewer = { id: randomUUID(), role: 'AUTHOR' };
  let expected: string[];

  beforeAll(async () => {
    for (const title of ['one', 'two', 'three']) await create(writer, title, 'PUBLISHED');
    await create(writer, 'hidden', 'DRAFT');
    // Newest first by (created_at, id), as the database orders them.
    const rows = await posts.sql(`SELECT id FROM posts WHERE author_id = $1 AND status = 'PUBLISHED' ORDER BY created_at DESC, id DESC`, [writer.id]);
    expected = rows.map((row) => row.id);
    expect(expected).toHaveLength(3);
  });

  it('pages through published posts newest first with sealed cursors that reveal no id or time', async () => {
    const first = (await posts.run(null, PAGE, { authorId: writer.id, first: 2 })).data.posts;
    expect(first.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(expected.slice(0, 2));
    expect(first.pageInfo).toEqual({ hasNextPage: true, endCursor: first.edges[1].cursor });
    const second = (await posts.run(null, PAGE, { authorId: writer.id, first: 2, after: first.pageInfo.endCursor })).data.posts;
    expect(second.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(expected.slice(2));
    expect(second.pageInfo.hasNextPage).toBe(false);
    const [row] = await posts.sql(`SELECT created_at FROM posts WHERE id = $1`, [expected[1]]);
    const decoded = Buffer.from(first.pageInfo.endCursor, 'base64url').toString('latin1');
    for (const secret of [expected[1], expected[1].replace(/-/g, ''), (row.created_at as Date).toISOString()]) {
      expect(first.pageInfo.endCursor).not.toContain(secret);
      expect(decoded).not.toContain(secret);
    }
  });

  it('refuses a changed, truncated or hand-made cursor with BAD_USER_INPUT on `after`, never a server error', async () => {
    const { endCursor } = (await posts.run(null, PAGE, { authorId: writer.id, first: 1 })).data.posts.pageInfo;
    const flipped = endCursor.slice(0, 20) + (endCursor[20] === 'A' ? 'B' : 'A') + endCursor.slice(21);
    const handMade = Buffer.from(JSON.stringify([new Date().toISOString(), expected[0]])).toString('base64url');
    for (const after of [flipped, endCursor.slice(0, -4), handMade, 'not a cursor']) {
      const result = await posts.run(null, PAGE, { authorId: writer.id, first: 1, after });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0].extensions!.field).toBe('after');
    }
  });

  it('refuses a page size outside 1–100 with BAD_USER_INPUT on `first`', async () => {
    for (const first of [0, 101]) {
      const result = await posts.run(null, PAGE, { first });
      expect(codes(result)).toEqual(['BAD_USER_INPUT']);
      expect(result.errors![0].extensions!.field).toBe('first');
    }
  });
});

describe('Markdown', () => {
  it('renders to HTML without scripts, handlers or javascript: links; raw HTML shows as text', async () => {
    const body = [
      '# Heading',
      '',
      'Some *emphasis* and a [link](https://example.com/a).',
      '',
      '<script>alert(1)</script>',
      '',
      '[click](javascript:alert(2)) ![x](javascript:alert(3)) <img src=x onerror=alert(4)>',
    ].join('\n');
    const post = await create(author, 'Markdown', 'PUBLISHED', body);
    expect(post.body).toBe(body);
    const html = post.bodyHtml;
    expect(html).toContain('<h1>Heading</h1>');
    expect(html).toContain('<em>emphasis</em>');
    expect(html).toContain('<a href="https://example.com/a" rel="nofollow noopener noreferrer">link</a>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<script|<img[^>]*onerror|href="javascript:|src="javascript:/i);
    // What is stored is what is served, rendered once at write time.
    expect((await posts.sql('SELECT body_html FROM posts WHERE id = $1', [post.id]))[0].body_html).toBe(html);
  });
});
