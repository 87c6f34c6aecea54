import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { MobileApiError, MobileClient } from '../../bff-mobile/client/client';
import { hugePng, jpeg, mp4, transparentPng } from '../support/images';
import { graphql, startStack, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/**
 * Media handles the bytes: two-step uploads through the BFFs, validation before anything is
 * stored, renditions made with sharp, delivery with caching headers, and deletion, on the real
 * processes, database and disk store.
 */
let stack: Stack;
let mediaDb: pg.Client;
let author: { session: WebSession; user: { id: string; handle: string } };
let postId: string;

const CREATE_UPLOAD = `mutation($postId: ID, $kind: MediaKind!, $mimeType: String!, $bytes: Int!, $alt: String) {
  createUpload(postId: $postId, kind: $kind, mimeType: $mimeType, bytes: $bytes, alt: $alt) { url method expiresAt maxBytes }
}`;

beforeAll(async () => {
  stack = await startStack({ subgraphEnv: { EVENTS_POLL_MS: '100' } });
  mediaDb = new pg.Client({ connectionString: stack.databases.urls.media });
  await mediaDb.connect();
  author = await signUp(stack.web);
  postId = await newPost(author.session, 'With pictures');
});
afterAll(async () => {
  await mediaDb?.end();
  await stack?.stop();
});

async function newPost(session: WebSession, title: string, status = 'PUBLISHED'): Promise<string> {
  const { body } = await session.gql(`mutation($t: String!, $s: PostStatus) { createPost(input: { title: $t, body: "x", status: $s }) { id } }`, { t: title, s: status });
  return body.data.createPost.id;
}

async function ticket(session: WebSession, variables: Record<string, unknown>) {
  return session.gql<{ createUpload: { url: string; method: string; expiresAt: string; maxBytes: number } }>(CREATE_UPLOAD, variables);
}

async function put(url: string, bytes: Buffer, contentType = 'application/octet-stream', origin = stack.web) {
  const response = await fetch(`${origin}${url}`, { method: 'PUT', headers: { 'content-type': contentType }, body: bytes });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

/** Opens an upload as `session` and PUTs `bytes` to it through bff-web. */
async function upload(bytes: Buffer, mimeType: string, options: { session?: WebSession; post?: string | null; kind?: string; alt?: string } = {}) {
  const { body } = await ticket(options.session ?? author.session, {
    postId: options.post === undefined ? postId : options.post,
    kind: options.kind ?? (mimeType.startsWith('video/') ? 'VIDEO' : 'IMAGE'),
    mimeType,
    bytes: bytes.length,
    alt: options.alt,
  });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return put(body.data!.createUpload.url, bytes, mimeType);
}

/** Every file in the store (the spool directory included). */
function storedFiles(dir = stack.mediaDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? storedFiles(path.join(dir, entry.name)) : [path.relative(stack.mediaDir, path.join(dir, entry.name))],
  );
}

async function storedState() {
  const { rows } = await mediaDb.query('SELECT (SELECT count(*) FROM media)::int AS media, (SELECT count(*) FROM renditions)::int AS renditions');
  return { ...rows[0], files: storedFiles().sort() };
}

async function fetchMedia(url: string, headers: Record<string, string> = {}, origin = stack.web) {
  const response = await fetch(`${origin}${url}`, { headers });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe('uploading an image', () => {
  let mediaId: string;
  let original: Buffer;

  beforeAll(async () => {
    // 1600 × 1200 as stored, with EXIF orientation 6 (rotate 90°): 1200 × 1600 as seen.
    original = await jpeg(1600, 1200, { orientation: 6, gps: true });
    const metadata = await sharp(original).metadata();
    expect(metadata).toMatchObject({ orientation: 6, width: 1600, height: 1200 });
    expect(metadata.exif?.length).toBeGreaterThan(50);

    const { body } = await ticket(author.session, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: original.length, alt: 'A gradient' });
    const { url, method, expiresAt, maxBytes } = body.data!.createUpload;
    expect(url).toMatch(/^\/uploads\/[\w-]{43}$/);
    expect({ method, maxBytes }).toEqual({ method: 'PUT', maxBytes: original.length });
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());

    const answer = await put(url, original, 'image/jpeg');
    expect(answer.status).toBe(201);
    expect(answer.body.media).toMatchObject({ status: 'READY', kind: 'IMAGE', mimeType: 'image/jpeg', width: 1200, height: 1600, bytes: original.length });
    mediaId = answer.body.media.id;
  });

  it('records it in the graph, oriented, as the post’s cover', async () => {
    const { body } = await graphql(stack.web, `query($id: ID!) { post(id: $id) { coverImage { id kind mimeType width height bytes alt owner { id } url(size: LARGE) } media { id } } }`, { id: postId });
    expect(body.data.post.coverImage).toEqual({
      id: mediaId,
      kind: 'IMAGE',
      mimeType: 'image/jpeg',
      width: 1200,
      height: 1600,
      bytes: original.length,
      alt: 'A gradient',
      owner: { id: author.user.id },
      url: `/media/${mediaId}/large`,
    });
  });

  it.each([
    ['thumb', 120, 160],
    ['small', 360, 480],
    ['large', 960, 1280],
    ['original', 1200, 1600],
  ])('serves %s at its size, WebP to clients that accept it and JPEG to others', async (size, width, height) => {
    for (const [accept, format] of [
      ['image/avif,image/webp,image/apng,image/*,*/*;q=0.8', 'webp'],
      ['image/jpeg,image/png', 'jpeg'],
      ['*/*', 'jpeg'],
    ]) {
      const { response, bytes } = await fetchMedia(`/media/${mediaId}/${size}`, { accept });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe(`image/${format}`);
      expect(Number(response.headers.get('content-length'))).toBe(bytes.length);
      const metadata = await sharp(bytes).metadata();
      expect({ format: metadata.format, width: metadata.width, height: metadata.height }).toEqual({ format, width, height });
      // Nothing of the camera's metadata survives: no EXIF (so no GPS), no orientation flag, no XMP.
      expect({ exif: metadata.exif, orientation: metadata.orientation, xmp: metadata.xmp }).toEqual({ exif: undefined, orientation: undefined, xmp: undefined });
    }
  });

  it('caches a published post’s file publicly for a minute under a strong ETag, and answers If-None-Match with 304', async () => {
    const { response, bytes } = await fetchMedia(`/media/${mediaId}/small`, { accept: 'image/webp' });
    const etag = response.headers.get('etag')!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    // A post can be unpublished: caches may keep its files a minute (MEDIA_PUBLIC_MAX_AGE_SECONDS), not a year.
    expect(response.headers.get('cache-control')).toBe('public, max-age=60');
    expect(response.headers.get('vary')).toBe('Accept');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(bytes.length).toBeGreaterThan(0);

    const again = await fetch(`${stack.web}/media/${mediaId}/small`, { headers: { accept: 'image/webp', 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect((await again.arrayBuffer()).byteLength).toBe(0);
    // The JPEG is another file: another tag, so a cache never serves one for the other.
    const jpegTag = (await fetch(`${stack.web}/media/${mediaId}/small`, { headers: { 'if-none-match': etag } })).headers.get('etag');
    expect(jpegTag).not.toBe(etag);
  });

  it('keeps transparency: the fallback of a transparent image is PNG', async () => {
    const answer = await upload(await transparentPng(300, 200), 'image/png');
    expect(answer.status).toBe(201);
    const { response, bytes } = await fetchMedia(`/media/${answer.body.media.id}/thumb`);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(await sharp(bytes).metadata()).toMatchObject({ format: 'png', width: 160, height: 107, hasAlpha: true });
  });

  it('takes an avatar without a post, and shows it as the user’s', async () => {
    const answer = await upload(await jpeg(400, 400), 'image/jpeg', { post: null });
    expect(answer.status).toBe(201);
    const { body } = await graphql(stack.web, `query($id: ID!) { user(id: $id) { avatar { id url(size: THUMB) } } }`, { id: author.user.id });
    expect(body.data.user.avatar).toEqual({ id: answer.body.media.id, url: `/media/${answer.body.media.id}/thumb` });
    const { response, bytes } = await fetchMedia(body.data.user.avatar.url);
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 160, height: 160 });
    // An avatar is public for good and its bytes never change.
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('answers a method a file path does not take with 405 and the methods it does (Allow), through the BFF', async () => {
    const answer = await upload(await jpeg(200, 200), 'image/jpeg', { post: null });
    const wrong = await fetch(`${stack.web}/media/${answer.body.media.id}/thumb`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(((await wrong.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('METHOD_NOT_ALLOWED');
  });

  it('replaces the old avatar: its record and files go, so the picture taken down is not listed or served', async () => {
    const first = await upload(await jpeg(300, 300), 'image/jpeg', { post: null });
    const second = await upload(await jpeg(320, 320), 'image/jpeg', { post: null });
    expect([first.status, second.status]).toEqual([201, 201]);
    const oldId = first.body.media.id;
    const { body } = await graphql(stack.web, `query($id: ID!) { user(id: $id) { avatar { id } } mediaList(ownerId: $id, first: 100) { nodes { id } } }`, {
      id: author.user.id,
    });
    expect(body.data.user.avatar).toEqual({ id: second.body.media.id });
    expect(body.data.mediaList.nodes.map((node: { id: string }) => node.id)).not.toContain(oldId);
    expect((await fetch(`${stack.web}/media/${oldId}/thumb`)).status).toBe(404);
    expect((await mediaDb.query('SELECT count(*)::int AS n FROM media WHERE owner_id = $1 AND purpose = $2', [author.user.id, 'AVATAR'])).rows).toEqual([{ n: 1 }]);
  });
});

describe('uploading an image too wide for WebP', () => {
  it('keeps it, with JPEG only where WebP cannot go (16,383 px on a side)', async () => {
    const answer = await upload(await jpeg(20_000, 800), 'image/jpeg');
    expect(answer.status).toBe(201);
    expect(answer.body.media).toMatchObject({ width: 20_000, height: 800 });
    const original = await fetchMedia(`/media/${answer.body.media.id}/original`, { accept: 'image/webp' });
    expect(original.response.headers.get('content-type')).toBe('image/jpeg');
    expect(original.response.headers.get('vary')).toBeNull();
    const large = await fetchMedia(`/media/${answer.body.media.id}/large`, { accept: 'image/webp' });
    expect(await sharp(large.bytes).metadata()).toMatchObject({ format: 'webp', width: 1280, height: 51 });
  });
});

describe('uploading a video', () => {
  it('stores it as it is and serves byte ranges', async () => {
    const video = mp4(50_000);
    const answer = await upload(video, 'video/mp4');
    expect(answer.status).toBe(201);
    expect(answer.body.media).toMatchObject({ kind: 'VIDEO', mimeType: 'video/mp4', width: null, height: null, bytes: 50_000 });
    const url = `/media/${answer.body.media.id}/original`;

    const whole = await fetchMedia(url);
    expect(whole.response.headers.get('content-type')).toBe('video/mp4');
    expect(whole.response.headers.get('accept-ranges')).toBe('bytes');
    expect(whole.bytes.equals(video)).toBe(true);

    const part = await fetchMedia(url, { range: 'bytes=1000-1999' });
    expect(part.response.status).toBe(206);
    expect(part.response.headers.get('content-range')).toBe('bytes 1000-1999/50000');
    expect(part.bytes.equals(video.subarray(1000, 2000))).toBe(true);
    const tail = await fetchMedia(url, { range: 'bytes=-100' });
    expect(tail.bytes.equals(video.subarray(49_900))).toBe(true);

    const beyond = await fetchMedia(url, { range: 'bytes=50000-' });
    expect(beyond.response.status).toBe(416);
    expect(beyond.response.headers.get('content-range')).toBe('bytes */50000');

    const head = await fetch(`${stack.web}${url}`, { method: 'HEAD' });
    expect({ status: head.status, length: head.headers.get('content-length') }).toEqual({ status: 200, length: '50000' });
  });
});

describe('refused uploads leave nothing behind', () => {
  let before: Awaited<ReturnType<typeof storedState>>;
  beforeEach(async () => {
    before = await storedState();
  });
  afterEach(async () => {
    expect(await storedState()).toEqual(before);
  });

  async function refused(bytes: Buffer, declared: string, status: number, code: string, message: RegExp, kind?: string) {
    const answer = await upload(bytes, declared, { kind });
    expect(answer).toEqual({ status, body: { errors: [{ message: expect.stringMatching(message), extensions: { code } }] } });
  }

  it('a file that is not an image, sent as a PNG', async () => {
    await refused(Buffer.from('<html><script>alert(1)</script></html>'.repeat(20)), 'image/png', 415, 'UNSUPPORTED_MEDIA_TYPE', /not a JPEG, PNG/);
  });

  it('a video sent for an image', async () => {
    await refused(mp4(5_000), 'image/jpeg', 415, 'UNSUPPORTED_MEDIA_TYPE', /for image, but the file is video\/mp4/);
  });

  it('a truncated JPEG', async () => {
    const whole = await jpeg(800, 600);
    await refused(whole.subarray(0, Math.floor(whole.length / 2)), 'image/jpeg', 400, 'BAD_USER_INPUT', /damaged or incomplete/);
  });

  it('a 20,000 × 20,000 pixel PNG (a decompression bomb)', async () => {
    const bomb = hugePng(20_000, 20_000);
    expect(bomb.length).toBeLessThan(200_000);
    await refused(bomb, 'image/png', 400, 'BAD_USER_INPUT', /20000 × 20000 pixels; at most 40000000/);
  });

  it('a file larger than declared, and a declared size over the limit', async () => {
    const { body } = await ticket(author.session, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: 1_000 });
    const answer = await put(body.data!.createUpload.url, await jpeg(800, 600), 'image/jpeg');
    expect(answer.status).toBe(413);
    expect(answer.body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');

    const tooBig = await ticket(author.session, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: 20 * 1024 * 1024 + 1 });
    expect(tooBig.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'bytes' });
  });

  it('a chunked body that outgrows its declaration: 413, heard by the client every time', async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const { body } = await ticket(author.session, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: 1_000 });
      const chunks = (async function* () {
        for (let i = 0; i < 80; i++) yield Buffer.alloc(64 * 1024, i);
      })();
      const response = await fetch(`${stack.web}${body.data!.createUpload.url}`, {
        method: 'PUT',
        headers: { 'content-type': 'image/jpeg' },
        body: ReadableStream.from(chunks),
        duplex: 'half',
      } as RequestInit);
      expect({ status: response.status, code: ((await response.json()) as any).errors[0].extensions.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    }
  });

  it('an expired upload URL', async () => {
    const image = await jpeg(300, 200);
    const { body } = await ticket(author.session, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: image.length });
    // Time passes: the URL's ten minutes are over.
    await mediaDb.query(`UPDATE uploads SET expires_at = now() - interval '1 second' WHERE expires_at > now()`);
    const answer = await put(body.data!.createUpload.url, image, 'image/jpeg');
    expect(answer).toMatchObject({ status: 410, body: { errors: [{ extensions: { code: 'UPLOAD_EXPIRED' } }] } });
  });

  it('an unknown upload URL', async () => {
    const answer = await put(`/uploads/${'A'.repeat(43)}`, await jpeg(100, 100), 'image/jpeg');
    expect(answer).toMatchObject({ status: 404, body: { errors: [{ extensions: { code: 'NOT_FOUND' } }] } });
  });

  it('bad declarations, before any byte is sent', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ postId, kind: 'IMAGE', mimeType: 'text/html', bytes: 10 }, 'mimeType'],
      [{ postId, kind: 'VIDEO', mimeType: 'image/png', bytes: 10 }, 'mimeType'],
      [{ postId, kind: 'IMAGE', mimeType: 'image/png', bytes: 0 }, 'bytes'],
      [{ postId: null, kind: 'VIDEO', mimeType: 'video/mp4', bytes: 10 }, 'kind'],
      [{ postId: 'not-an-id', kind: 'IMAGE', mimeType: 'image/png', bytes: 10 }, 'postId'],
      [{ postId, kind: 'IMAGE', mimeType: 'image/png', bytes: 10, alt: 'x'.repeat(501) }, 'alt'],
    ];
    for (const [variables, field] of cases) {
      const { body } = await ticket(author.session, variables);
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    }
  });

  it('an upload to another user’s post, to a hidden draft, or by a reader or anonymous visitor', async () => {
    const other = await signUp(stack.web);
    const declaration = { kind: 'IMAGE', mimeType: 'image/jpeg', bytes: 1000 };
    expect((await ticket(other.session, { postId, ...declaration })).body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const draft = await newPost(author.session, 'secret', 'DRAFT');
    expect((await ticket(other.session, { postId: draft, ...declaration })).body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect((await ticket(new WebSession(stack.web), { postId, ...declaration })).body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const reader = (await stack.subgraph('media', CREATE_UPLOAD, { postId, ...declaration }, { id: other.user.id, role: 'READER' })).body;
    expect(reader.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const { rows } = await mediaDb.query('SELECT count(*)::int AS n FROM uploads WHERE owner_id = $1', [other.user.id]);
    expect(rows[0].n).toBe(0);
  });
});

describe('limits', () => {
  it('lets one user hold at most 20 upload URLs open', async () => {
    const user = await signUp(stack.web);
    const mine = await newPost(user.session, 'many uploads');
    for (let i = 0; i < 20; i++) expect((await ticket(user.session, { postId: mine, kind: 'IMAGE', mimeType: 'image/png', bytes: 100 })).body.errors).toBeUndefined();
    const refused = await ticket(user.session, { postId: mine, kind: 'IMAGE', mimeType: 'image/png', bytes: 100 });
    expect(refused.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(/20 upload URLs open/), extensions: { code: 'TOO_MANY_UPLOADS' } });
  });

  it('passes no request framing from a download to media: a GET with a body cannot derail the next client', async () => {
    const id = (await upload(await jpeg(200, 100), 'image/jpeg')).body.media.id;
    const { port } = new URL(stack.web);
    // A GET that claims a 40-byte body, and sends it: a proxy that forwarded Content-Length would
    // leave media reading those bytes from the next request on the same pooled connection.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(`GET /media/${id}/thumb HTTP/1.1\r\nHost: x\r\nContent-Length: 40\r\nConnection: close\r\n\r\n${'x'.repeat(40)}`);
      });
      socket.on('data', () => undefined).on('end', resolve).on('error', reject);
    });
    for (let i = 0; i < 5; i++) expect((await fetch(`${stack.web}/media/${id}/thumb`)).status).toBe(200);
  });
});

describe('a URL is good for one upload', () => {
  it('refuses a second PUT on a used URL, whatever it carries', async () => {
    const image = await jpeg(320, 240);
    const { body } = await ticket(author.session, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: image.length });
    const url = body.data!.createUpload.url;
    expect((await put(url, image, 'image/jpeg')).status).toBe(201);
    const before = await storedState();
    expect(await put(url, image, 'image/jpeg')).toMatchObject({ status: 410, body: { errors: [{ extensions: { code: 'UPLOAD_USED' } }] } });
    expect(await storedState()).toEqual(before);
  });

  it('lets two PUTs racing on one URL store one file', async () => {
    const image = await jpeg(320, 240);
    const { body } = await ticket(author.session, { postId, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: image.length });
    const answers = await Promise.all([put(body.data!.createUpload.url, image, 'image/jpeg'), put(body.data!.createUpload.url, image, 'image/jpeg')]);
    expect(answers.map((a) => a.status).sort()).toEqual([201, 410]);
  });
});

describe('through bff-mobile', () => {
  it('uploads with the app’s client and shows THUMB URLs in the feed', async () => {
    const client = new MobileClient({ baseUrl: stack.mobile });
    const handle = `phone_${process.pid}`;
    await client.signUp({ email: `${handle}@example.com`, password: 'correct horse battery', handle, displayName: 'Phone' });
    const post = await client.createPost('Shot on a phone', 'look');
    const image = await client.uploadMedia(post.id, await jpeg(2000, 1500), { kind: 'IMAGE', mimeType: 'image/jpeg', alt: 'the view' });
    expect(image).toMatchObject({ status: 'READY', width: 2000, height: 1500 });

    const card = (await client.feed(30)).cards.find((c) => c.id === post.id)!;
    expect(card.coverThumbUrl).toBe(`/media/${image.id}/thumb`);
    const { response, bytes } = await fetchMedia(card.coverThumbUrl!, { accept: 'image/webp' }, stack.mobile);
    expect(response.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(bytes).metadata()).toMatchObject({ width: 160, height: 120 });

    const refused = await client.uploadMedia(post.id, Buffer.from('GIF89a but not really'), { kind: 'IMAGE', mimeType: 'image/gif' }).catch((e: MobileApiError) => e);
    expect(refused).toBeInstanceOf(MobileApiError);
    expect((refused as MobileApiError).status).toBe(400);
  });
});

describe('deleting', () => {
  it('deleteMedia removes the record and its files', async () => {
    const answer = await upload(await jpeg(500, 400), 'image/jpeg');
    const id = answer.body.media.id;
    expect(storedFiles().filter((f) => f.startsWith(id))).toHaveLength(8);
    const { body } = await author.session.gql(`mutation($id: ID!) { deleteMedia(id: $id) }`, { id });
    expect(body.data.deleteMedia).toBe(id);
    expect(storedFiles().filter((f) => f.startsWith(id))).toEqual([]);
    expect((await fetch(`${stack.web}/media/${id}/thumb`)).status).toBe(404);
  });

  it('deleting a post deletes its media, and a URL opened before takes nothing after', async () => {
    const doomed = await newPost(author.session, 'short-lived');
    const first = await upload(await jpeg(400, 300), 'image/jpeg', { post: doomed });
    const late = await jpeg(400, 300);
    const pending = (await ticket(author.session, { postId: doomed, kind: 'IMAGE', mimeType: 'image/jpeg', bytes: late.length })).body.data!.createUpload.url;

    const { body } = await author.session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: doomed });
    expect(body.data.deletePost).toBe(doomed);
    // Media follows posts' event feed (polled every 100 ms here): wait for the files to go.
    const deadline = Date.now() + 10_000;
    while (storedFiles().some((f) => f.startsWith(first.body.media.id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(storedFiles().filter((f) => f.startsWith(first.body.media.id))).toEqual([]);
    const { rows } = await mediaDb.query('SELECT count(*)::int AS n FROM media WHERE post_id = $1', [doomed]);
    expect(rows[0].n).toBe(0);

    const before = await storedState();
    expect(await put(pending, late, 'image/jpeg')).toMatchObject({ status: 404, body: { errors: [{ extensions: { code: 'NOT_FOUND' } }] } });
    expect(await storedState()).toEqual(before);
  });
});

describe('when media is down', () => {
  it('answers file requests with 503 SUBGRAPH_UNAVAILABLE and nothing internal', async () => {
    await stack.stopSubgraph('media');
    try {
      for (const origin of [stack.web, stack.mobile]) {
        const response = await fetch(`${origin}/media/${'0'.repeat(8)}-0000-4000-8000-${'0'.repeat(12)}/thumb`);
        const text = await response.text();
        expect(response.status).toBe(503);
        expect(JSON.parse(text).errors[0].extensions).toEqual({ code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'media' });
        expect(text).not.toMatch(/127\.0\.0\.1|localhost|ECONNREFUSED|:\d{4,5}/);
      }
    } finally {
      await stack.startSubgraph('media');
    }
  });
});
