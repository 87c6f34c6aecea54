import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Viewer } from '../../../lib/identity/assertion';
import { loadMediaConfig } from '../../../subgraphs/media/config';
import { createMediaSubgraph } from '../../../subgraphs/media/subgraph';
import { loadPostsConfig } from '../../../subgraphs/posts/config';
import { createPostsSubgraph } from '../../../subgraphs/posts/subgraph';
import { codes, gatewayKey, inProcessSubgraph, type InProcessSubgraph, type Result } from '../../support/in-process';
import { createTestDatabases, type TestDatabases } from '../../support/test-databases';

/**
 * The media subgraph in process. Media asks posts, as itself about the caller, who may see or
 * attach to a post, so posts runs in this process too, listening on a loopback port (no other
 * process), and media reaches it as it would in production. Both trust the same gateway key, and
 * posts media's own key, which media signs its calls to posts (and its feed reads) with.
 */

const MAX_IMAGE_BYTES = 5_000;
const MAX_VIDEO_BYTES = 20_000;
const MAX_OPEN_UPLOADS = 3;

let databases: TestDatabases;
let posts: InProcessSubgraph;
let media: InProcessSubgraph;
let mediaDir: string;
const savedEnv = { ...process.env };

const author: Viewer = { id: randomUUID(), role: 'AUTHOR' };
const other: Viewer = { id: randomUUID(), role: 'AUTHOR' };
const reader: Viewer = { id: randomUUID(), role: 'READER' };
const admin: Viewer = { id: randomUUID(), role: 'ADMIN' };

async function createPost(viewer: Viewer, status: 'DRAFT' | 'PUBLISHED'): Promise<string> {
  const result = await posts.run(viewer, `mutation P($input: CreatePostInput!) { createPost(input: $input) { id } }`, {
    input: { title: `A ${status.toLowerCase()}`, body: 'text', status },
  });
  expect(result.errors).toBeUndefined();
  return result.data.createPost.id;
}

interface MediaInput {
  postId?: string;
  purpose?: 'POST' | 'AVATAR';
  kind?: 'IMAGE' | 'VIDEO';
  position?: number;
}

async function createMedia(viewer: Viewer, { postId, purpose = 'POST', kind = 'IMAGE', position = 0 }: MediaInput): Promise<string> {
  const input = {
    postId,
    purpose,
    kind,
    mimeType: kind === 'IMAGE' ? 'image/png' : 'video/mp4',
    ...(kind === 'IMAGE' && { width: 640, height: 480 }),
    bytes: 1234,
    position,
  };
  const result = await media.run(viewer, `mutation M($input: CreateMediaInput!) { createMedia(input: $input) { id } }`, { input });
  expect(result.errors).toBeUndefined();
  return result.data.createMedia.id;
}

let published: string;
let draft: string;
/** On the published post: a video first, then two images (by position). */
let video: string;
let cover: string;
let second: string;
let draftImage: string;
let avatar: string;

beforeAll(async () => {
  databases = await createTestDatabases(['posts', 'media']);
  const key = await gatewayKey();
  posts = await inProcessSubgraph('posts', createPostsSubgraph, loadPostsConfig, key, databases);
  const port = await posts.service.listen(0, '127.0.0.1');
  mediaDir = mkdtempSync(path.join(os.tmpdir(), 'fg-media-in-process-'));
  Object.assign(process.env, {
    POSTS_SUBGRAPH_URL: `http://127.0.0.1:${port}/graphql`,
    MEDIA_STORAGE: 'disk',
    MEDIA_DIR: mediaDir,
    MEDIA_MAX_IMAGE_BYTES: String(MAX_IMAGE_BYTES),
    MEDIA_MAX_VIDEO_BYTES: String(MAX_VIDEO_BYTES),
    MEDIA_MAX_OPEN_UPLOADS: String(MAX_OPEN_UPLOADS),
    EVENTS_POLL_MS: '50',
    // No users here: its feed is at a port where nothing listens (port 9, discard).
    USERS_SUBGRAPH_URL: 'http://127.0.0.1:9/graphql',
  });
  media = await inProcessSubgraph('media', createMediaSubgraph, loadMediaConfig, key, databases);

  published = await createPost(author, 'PUBLISHED');
  draft = await createPost(author, 'DRAFT');
  cover = await createMedia(author, { postId: published, position: 2 });
  video = await createMedia(author, { postId: published, kind: 'VIDEO', position: 1 });
  second = await createMedia(author, { postId: published, position: 3 });
  draftImage = await createMedia(author, { postId: draft });
  avatar = await createMedia(author, { purpose: 'AVATAR' });
});

afterAll(async () => {
  await media?.stop();
  await posts?.stop();
  await databases?.drop();
  if (mediaDir) rmSync(mediaDir, { recursive: true, force: true });
  process.env = savedEnv;
});

const ids = (nodes: { id: string }[]) => nodes.map((node) => node.id);

describe('Post entities', () => {
  const ENTITIES = `query Posts($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id media { id kind position } coverImage { id } } } }`;

  it("resolve a post's media in display order, avatars apart, the first image as its cover", async () => {
    const empty = await createPost(author, 'PUBLISHED');
    const result = await media.run(null, ENTITIES, { r: [published, empty, 'not-an-id'].map((id) => ({ __typename: 'Post', id })) });
    expect(result.errors).toBeUndefined();
    const [withMedia, without, malformed] = result.data._entities;
    expect(withMedia).toEqual({
      id: published,
      media: [
        { id: video, kind: 'VIDEO', position: 1 },
        { id: cover, kind: 'IMAGE', position: 2 },
        { id: second, kind: 'IMAGE', position: 3 },
      ],
      coverImage: { id: cover },
    });
    expect(without).toEqual({ id: empty, media: [], coverImage: null });
    expect(malformed).toEqual({ id: 'not-an-id', media: null, coverImage: null });
  });

  it("resolve a user's avatar", async () => {
    const result = await media.run(null, `query U($r: [_Any!]!) { _entities(representations: $r) { ... on User { avatar { id purpose url(size: THUMB) } } } }`, {
      r: [{ __typename: 'User', id: author.id }, { __typename: 'User', id: other.id }],
    });
    expect(result.data._entities).toEqual([{ avatar: { id: avatar, purpose: 'AVATAR', url: `/media/${avatar}/thumb` } }, { avatar: null }]);
  });
});

describe("a draft's media", () => {
  const LIST = `query List($postId: ID, $ownerId: ID, $first: Int, $after: String) {
    mediaList(postId: $postId, ownerId: $ownerId, first: $first, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } }
  }`;

  it('is listed by post for its author and admins only; for anyone else the post has none', async () => {
    const list = async (viewer: Viewer | null) => {
      const result = await media.run(viewer, LIST, { postId: draft });
      expect(result.errors).toBeUndefined();
      return result.data.mediaList;
    };
    expect(ids((await list(author)).nodes)).toEqual([draftImage]);
    expect(ids((await list(admin)).nodes)).toEqual([draftImage]);
    for (const viewer of [other, reader, null]) expect(await list(viewer)).toEqual({ nodes: [], pageInfo: { hasNextPage: false, endCursor: null } });
  });

  it("is skipped in an owner's list, whatever the page size, with nothing in any page that tells of it", async () => {
    const rows = await media.sql(`SELECT id, post_id FROM media WHERE owner_id = $1 ORDER BY created_at DESC, id DESC`, [author.id]);
    const all = rows.map((row) => row.id);
    const visible = rows.filter((row) => row.post_id !== draft).map((row) => row.id);
    expect(visible).toEqual(all.filter((id) => id !== draftImage));

    const mine = await media.run(author, LIST, { ownerId: author.id, first: 100 });
    expect(ids(mine.data.mediaList.nodes)).toEqual(all);
    for (const viewer of [null, other]) {
      for (const first of [1, 2]) {
        const seen: string[] = [];
        let after: string | null = null;
        for (let page = 0; page < 10; page++) {
          const result: Result = await media.run(viewer, LIST, { ownerId: author.id, first, after });
          expect(result.errors).toBeUndefined();
          const { nodes, pageInfo }: { nodes: { id: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } = result.data.mediaList;
          seen.push(...ids(nodes));
          if (!pageInfo.hasNextPage) break;
          after = pageInfo.endCursor;
        }
        expect(seen).toEqual(visible);
      }
    }
  });

  it('is null by id for anyone but its author and admins', async () => {
    const MEDIA = `query One($id: ID!) { media(id: $id) { id } }`;
    const byId = async (viewer: Viewer | null, id: string) => (await media.run(viewer, MEDIA, { id })).data.media;
    expect(await byId(author, draftImage)).toEqual({ id: draftImage });
    expect(await byId(admin, draftImage)).toEqual({ id: draftImage });
    expect(await byId(other, draftImage)).toBeNull();
    expect(await byId(null, draftImage)).toBeNull();
    expect(await byId(null, cover)).toEqual({ id: cover });
    expect(await byId(null, avatar)).toEqual({ id: avatar });
  });

  it("cannot be changed or deleted by anyone else, and answers them as a missing id would (NOT_FOUND, not FORBIDDEN)", async () => {
    const UPDATE = `mutation($id: ID!) { updateMedia(id: $id, input: { alt: "taken" }) { id } }`;
    const DELETE = `mutation($id: ID!) { deleteMedia(id: $id) }`;
    const missing = randomUUID();
    for (const viewer of [other, reader]) {
      for (const mutation of [UPDATE, DELETE]) {
        expect(codes(await media.run(viewer, mutation, { id: draftImage }))).toEqual(codes(await media.run(viewer, mutation, { id: missing })));
        expect(codes(await media.run(viewer, mutation, { id: draftImage }))).toEqual(['NOT_FOUND']);
        // What they can see is theirs to look at, not to change: that is FORBIDDEN.
        expect(codes(await media.run(viewer, mutation, { id: cover }))).toEqual(['FORBIDDEN']);
      }
    }
    expect(await media.sql(`SELECT alt FROM media WHERE id = $1`, [draftImage])).not.toEqual([{ alt: 'taken' }]);
    expect(await media.sql(`SELECT count(*)::int AS n FROM media WHERE id = ANY($1)`, [[draftImage, cover]])).toEqual([{ n: 2 }]);
  });
});

describe('createUpload', () => {
  const UPLOAD = `mutation Upload($postId: ID, $kind: MediaKind!, $mimeType: String!, $bytes: Int!, $alt: String) {
    createUpload(postId: $postId, kind: $kind, mimeType: $mimeType, bytes: $bytes, alt: $alt) { url method expiresAt maxBytes }
  }`;
  const uploads = async () => (await media.sql('SELECT count(*)::int AS n FROM uploads'))[0].n;
  const image = (postId: string | undefined, change: Record<string, unknown> = {}) => ({ postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: 1_000, ...change });

  it.each([
    ['mimeType', 'a type not accepted', { mimeType: 'image/tiff' }],
    ['mimeType', 'an image type for a video', { kind: 'VIDEO', mimeType: 'image/png' }],
    ['mimeType', 'a video type for an image', { mimeType: 'video/mp4' }],
    ['bytes', 'no bytes', { bytes: 0 }],
    ['bytes', 'an image over MEDIA_MAX_IMAGE_BYTES', { bytes: MAX_IMAGE_BYTES + 1 }],
    ['bytes', 'a video over MEDIA_MAX_VIDEO_BYTES', { kind: 'VIDEO', mimeType: 'video/mp4', bytes: MAX_VIDEO_BYTES + 1 }],
    ['alt', '501 characters of alt text', { alt: 'x'.repeat(501) }],
    ['postId', 'a malformed post id', { postId: 'not-an-id' }],
  ])('refuses %s (%s) with BAD_USER_INPUT naming it, opening nothing', async (field, _what, change) => {
    const before = await uploads();
    const result = await media.run(author, UPLOAD, image(published, change));
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions!.field).toBe(field);
    expect(await uploads()).toBe(before);
  });

  it('refuses a video as an avatar', async () => {
    const result = await media.run(author, UPLOAD, { kind: 'VIDEO', mimeType: 'video/mp4', bytes: 1_000 });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions!.field).toBe('kind');
  });

  it("refuses whoever may not attach to the post, as posts says: FORBIDDEN, or NOT_FOUND for a draft they cannot see", async () => {
    const before = await uploads();
    expect(codes(await media.run(other, UPLOAD, image(published)))).toEqual(['FORBIDDEN']);
    expect(codes(await media.run(other, UPLOAD, image(draft)))).toEqual(['NOT_FOUND']);
    expect(codes(await media.run(reader, UPLOAD, image(published)))).toEqual(['FORBIDDEN']);
    expect(codes(await media.run(null, UPLOAD, image(undefined)))).toEqual(['UNAUTHENTICATED']);
    expect(codes(await media.run(author, UPLOAD, image(randomUUID())))).toEqual(['NOT_FOUND']);
    expect(await uploads()).toBe(before);
  });

  it('opens a one-time URL for the largest allowed file; only a hash of its secret is stored', async () => {
    const result = await media.run(author, UPLOAD, image(draft, { bytes: MAX_IMAGE_BYTES, alt: 'A cat' }));
    expect(result.errors).toBeUndefined();
    const ticket = result.data.createUpload;
    expect(ticket).toEqual({ url: expect.stringMatching(/^\/uploads\/[A-Za-z0-9_-]{43}$/), method: 'PUT', expiresAt: expect.any(String), maxBytes: MAX_IMAGE_BYTES });
    const secret = ticket.url.slice('/uploads/'.length);
    const [row] = await media.sql(`SELECT row_to_json(u)::text AS json, token_hash FROM uploads u WHERE owner_id = $1 AND post_id = $2`, [author.id, draft]);
    expect(row.token_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(row.json).not.toContain(secret);
    // An admin may attach to anyone's post.
    expect((await media.run(admin, UPLOAD, image(published))).errors).toBeUndefined();
  });

  it(`holds a user to ${MAX_OPEN_UPLOADS} open URLs (TOO_MANY_UPLOADS)`, async () => {
    const someone: Viewer = { id: randomUUID(), role: 'READER' };
    for (let i = 0; i < MAX_OPEN_UPLOADS; i++) expect((await media.run(someone, UPLOAD, image(undefined))).errors).toBeUndefined();
    expect(codes(await media.run(someone, UPLOAD, image(undefined)))).toEqual(['TOO_MANY_UPLOADS']);
  });
});

describe('a deleted post', () => {
  it('has its media deleted by media, following posts’ events', async () => {
    const post = await createPost(other, 'PUBLISHED');
    const attached = await createMedia(other, { postId: post });
    const deleted = await posts.run(other, `mutation D($id: ID!) { deletePost(id: $id) }`, { id: post });
    expect(deleted.errors).toBeUndefined();
    const deadline = Date.now() + 10_000;
    while ((await media.sql('SELECT 1 FROM media WHERE id = $1', [attached])).length > 0) {
      if (Date.now() > deadline) throw new Error('the media of the deleted post is still there after 10 s');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(await media.sql('SELECT id FROM media WHERE id = $1', [cover])).toEqual([{ id: cover }]);
  });
});
