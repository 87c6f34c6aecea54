import { randomUUID } from 'node:crypto';
import { jpeg } from '../support/images';
import { graphql, startStack, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/**
 * Nothing a caller may not see is derivable from what they are given: a page of `mediaList`
 * neither shows media of a draft nor points at it (its cursors, `hasNextPage`, `endCursor`), and a
 * draft's files are served to its author and admins only, through both BFFs, while anyone else
 * gets the 404 of a file that does not exist. Real processes, databases and images.
 */
let stack: Stack;
let author: { session: WebSession; user: { id: string } };
let other: { session: WebSession; user: { id: string } };
let admin: WebSession;
let publishedPost: string;
let draft: string;
/** Newest first, as mediaList orders them: draft3, published2, draft2, draft1, published1. */
const media: Record<'published1' | 'draft1' | 'draft2' | 'published2' | 'draft3', string> = {} as never;
let hiddenTimes: string[];

const CREATE_UPLOAD = `mutation($postId: ID, $kind: MediaKind!, $mimeType: String!, $bytes: Int!) {
  createUpload(postId: $postId, kind: $kind, mimeType: $mimeType, bytes: $bytes) { url }
}`;

async function upload(session: WebSession, postId: string, bytes: Buffer): Promise<string> {
  const { body } = await session.gql(CREATE_UPLOAD, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: bytes.length });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  const response = await fetch(`${stack.web}${body.data.createUpload.url}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: bytes });
  const answer = (await response.json()) as { media: { id: string } };
  expect(response.status).toBe(201);
  return answer.media.id;
}

async function newPost(session: WebSession, title: string, status: 'PUBLISHED' | 'DRAFT'): Promise<string> {
  const { body } = await session.gql(`mutation($t: String!, $s: PostStatus) { createPost(input: { title: $t, body: "x", status: $s }) { id } }`, { t: title, s: status });
  return body.data.createPost.id;
}

/** The Cookie header a browser sends to a /media path: the access cookie only (the refresh cookie is for /graphql). */
const mediaCookie = (session: WebSession) => ({ cookie: `fg_session=${session.cookies.get('fg_session')}` });

async function mobileToken(email: string): Promise<string> {
  const { body } = await graphql(stack.mobile, `mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { accessToken } }`, { e: email });
  return body.data.signIn.accessToken;
}

async function get(origin: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const response = await fetch(`${origin}${path}`, { method, headers });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, bytes, text: bytes.toString('utf8') };
}

beforeAll(async () => {
  stack = await startStack();
  author = await signUp(stack.web, `hc_author_${process.pid}`);
  other = await signUp(stack.web, `hc_other_${process.pid}`);
  const made = await signUp(stack.web, `hc_admin_${process.pid}`);
  await stack.subgraph('users', `mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`, { id: made.user.id }, { id: randomUUID(), role: 'ADMIN' });
  admin = new WebSession(stack.web);
  await admin.gql(`mutation($e: String!) { signIn(email: $e, password: "correct horse battery") { expiresAt } }`, { e: `hc_admin_${process.pid}@example.com` });

  publishedPost = await newPost(author.session, 'Out in the open', 'PUBLISHED');
  draft = await newPost(author.session, 'Not yet', 'DRAFT');
  const image = await jpeg(640, 480);
  // Interleaved in time, so hidden rows fall between visible ones (and at a page's end).
  media.published1 = await upload(author.session, publishedPost, image);
  media.draft1 = await upload(author.session, draft, image);
  media.draft2 = await upload(author.session, draft, image);
  media.published2 = await upload(author.session, publishedPost, image);
  media.draft3 = await upload(author.session, draft, image);

  const { body } = await author.session.gql(`query($o: ID!) { mediaList(ownerId: $o, first: 10) { nodes { id createdAt } } }`, { o: author.user.id });
  const mine = body.data.mediaList.nodes as { id: string; createdAt: string }[];
  expect(mine.map((m) => m.id)).toEqual([media.draft3, media.published2, media.draft2, media.draft1, media.published1]);
  hiddenTimes = mine.filter((m) => [media.draft1, media.draft2, media.draft3].includes(m.id)).map((m) => m.createdAt);
}, 120_000);
afterAll(() => stack?.stop());

const PAGE = `query($o: ID, $p: ID, $first: Int, $after: String) {
  mediaList(ownerId: $o, postId: $p, first: $first, after: $after) { edges { cursor node { id } } nodes { id } pageInfo { hasNextPage endCursor } }
}`;

interface Page {
  edges: { cursor: string; node: { id: string } }[];
  nodes: { id: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every page of the author's media as `session` (anonymous when absent) sees them, `first` at a time. */
async function pages(session: WebSession | null, first: number): Promise<Page[]> {
  const seen: Page[] = [];
  let after: string | null = null;
  do {
    const variables: Record<string, unknown> = { o: author.user.id, first, after };
    const { body } = session ? await session.gql(PAGE, variables) : await graphql(stack.web, PAGE, variables);
    expect(body.errors).toBeUndefined();
    const page = body.data.mediaList as Page;
    seen.push(page);
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    expect(seen.length).toBeLessThan(10);
  } while (after);
  return seen;
}

/** Everything a cursor could carry, read every way it could be encoded. */
function readings(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url');
  return [cursor, raw.toString('utf8'), raw.toString('latin1'), raw.toString('hex')].join('\n').toLowerCase();
}

describe('mediaList pages', () => {
  const hidden = () => [media.draft1, media.draft2, media.draft3];

  it.each([
    ['anonymously', () => null],
    ['as another user', () => other.session],
  ])('%s: only visible media, and no page or cursor says anything of a draft’s', async (_, who) => {
    for (const first of [1, 2]) {
      const seen = await pages(who(), first);
      expect(seen.flatMap((page) => page.nodes.map((n) => n.id))).toEqual([media.published2, media.published1]);
      // Full pages until the last: an empty or short page would count the hidden rows.
      for (const page of seen.slice(0, -1)) expect(page.nodes).toHaveLength(first);
      expect(seen.at(-1)!.pageInfo.hasNextPage).toBe(false);
      const cursors = seen.flatMap((page) => [...page.edges.map((e) => e.cursor), page.pageInfo.endCursor ?? '']);
      for (const cursor of cursors.filter(Boolean)) {
        const text = readings(cursor);
        for (const id of hidden()) {
          expect(text).not.toContain(id);
          expect(text).not.toContain(id.replace(/-/g, ''));
        }
        for (const time of hiddenTimes) expect(text).not.toContain(time.toLowerCase());
      }
    }
  });

  it('gives a draft’s media list to others exactly as that of a post without media', async () => {
    const ofDraft = await graphql(stack.web, PAGE, { p: draft, first: 2 });
    const ofNothing = await graphql(stack.web, PAGE, { p: randomUUID(), first: 2 });
    expect(ofDraft.body).toEqual(ofNothing.body);
    expect(ofDraft.body.data.mediaList).toEqual({ edges: [], nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
    expect((await other.session.gql(PAGE, { p: draft, first: 2 })).body).toEqual(ofNothing.body);
  });

  it('shows the author and an admin everything, page after page', async () => {
    const everything = [media.draft3, media.published2, media.draft2, media.draft1, media.published1];
    expect((await pages(author.session, 2)).flatMap((page) => page.nodes.map((n) => n.id))).toEqual(everything);
    expect((await pages(admin, 2)).flatMap((page) => page.nodes.map((n) => n.id))).toEqual(everything);
  });

  it('refuses a cursor that was changed, or made by hand, with BAD_USER_INPUT', async () => {
    const [first] = await pages(author.session, 2);
    const raw = Buffer.from(first.pageInfo.endCursor!, 'base64url');
    raw[raw.length - 1] ^= 1;
    const forged = Buffer.from(JSON.stringify([hiddenTimes[0], media.draft3])).toString('base64url');
    for (const after of [raw.toString('base64url'), forged]) {
      const { body } = await graphql(stack.web, PAGE, { o: author.user.id, first: 2, after });
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'after' });
      expect(body.data?.mediaList ?? null).toBeNull();
    }
  });
});

describe('a draft’s files', () => {
  const file = (id: string, size = 'small') => `/media/${id}/${size}`;

  it('are not served to anyone else: the 404 of a file that does not exist, whatever is asked', async () => {
    const missing = await get(stack.web, file(randomUUID()));
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.text).errors[0].extensions.code).toBe('NOT_FOUND');
    const etag = (await get(stack.web, file(media.draft1), mediaCookie(author.session))).headers.get('etag')!;
    const otherToken = await mobileToken(`hc_other_${process.pid}@example.com`);
    const attempts: [string, string, Record<string, string>, string?][] = [
      ['anonymous, web', stack.web, {}],
      ['anonymous, mobile', stack.mobile, {}],
      ['another user, web', stack.web, mediaCookie(other.session)],
      ['another user, mobile', stack.mobile, { authorization: `Bearer ${otherToken}` }],
      ['with its ETag', stack.web, { 'if-none-match': etag }],
      ['a byte range', stack.web, { range: 'bytes=0-10' }],
      ['HEAD', stack.web, {}, 'HEAD'],
    ];
    for (const id of [media.draft1, media.draft3]) {
      for (const size of ['thumb', 'small', 'large', 'original']) {
        for (const [who, origin, headers, method] of attempts) {
          const answer = await get(origin, file(id, size), headers, method);
          expect({ who, status: answer.status }).toEqual({ who, status: 404 });
          if (method !== 'HEAD') expect({ who, text: answer.text }).toEqual({ who, text: missing.text });
          expect(answer.headers.get('etag')).toBeNull();
          expect(answer.headers.get('cache-control') ?? '').not.toMatch(/public/);
        }
      }
    }
  });

  it('are served to the author (web cookie and mobile bearer) and an admin, privately', async () => {
    const authorToken = await mobileToken(`hc_author_${process.pid}@example.com`);
    for (const [origin, headers] of [
      [stack.web, mediaCookie(author.session)],
      [stack.mobile, { authorization: `Bearer ${authorToken}` }],
      [stack.web, mediaCookie(admin)],
    ] as const) {
      const answer = await get(origin, file(media.draft2), { accept: 'image/webp', ...headers });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toBe('image/webp');
      expect(answer.headers.get('cache-control')).toBe('private, no-cache');
      expect(answer.bytes.length).toBe(Number(answer.headers.get('content-length')));
      // ETag, 304 and ranges work for them as for public files.
      const etag = answer.headers.get('etag')!;
      expect((await get(origin, file(media.draft2), { accept: 'image/webp', 'if-none-match': etag, ...headers })).status).toBe(304);
      const part = await get(origin, file(media.draft2), { accept: 'image/webp', range: 'bytes=0-9', ...headers });
      expect(part.status).toBe(206);
      expect(part.bytes).toEqual(answer.bytes.subarray(0, 10));
    }
  });

  it('a published post’s files are public for a short while, and stop being served once it is unpublished', async () => {
    const open = await get(stack.web, file(media.published1));
    expect(open.status).toBe(200);
    expect(open.headers.get('cache-control')).toBe('public, max-age=60');

    const { body } = await author.session.gql(`mutation($id: ID!) { updatePost(id: $id, input: { status: DRAFT }) { status } }`, { id: publishedPost });
    expect(body.data.updatePost.status).toBe('DRAFT');
    // Media remembers a post's public visibility for about 2 s; well within 10 s it is hidden.
    const deadline = Date.now() + 10_000;
    let status = 200;
    for (let tries = 0; status !== 404 && Date.now() < deadline && tries < 2_000; tries += 1) status = (await get(stack.web, file(media.published1))).status;
    expect(status).toBe(404);
    const mine = await get(stack.web, file(media.published1), mediaCookie(author.session));
    expect(mine.status).toBe(200);
    expect(mine.headers.get('cache-control')).toBe('private, no-cache');
  });
});
