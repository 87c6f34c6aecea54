import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { text } from 'node:stream/consumers';
import sharp from 'sharp';
import { stopChild } from '../../tooling/processes';
import { DiskStore, S3Store, type BlobStore } from '../../subgraphs/media/files/storage';
import { jpeg } from '../support/images';
import { freePort } from '../support/ports';
import { startStack, type Stack } from '../support/stack';
import { signUp } from '../support/web';

/**
 * The blob store interface, held to one contract by both implementations: the local disk, and an
 * S3-compatible server (s3rver, a separate process on loopback, checking SigV4 signatures with
 * its default credentials). Then the whole upload path with MEDIA_STORAGE=s3.
 */
const S3 = { bucket: 'media-test', region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
let s3rver: ChildProcess;
let s3Endpoint: string;
const scratch = mkdtempSync(path.join(os.tmpdir(), 'fg-storage-'));

beforeAll(async () => {
  const port = await freePort();
  s3Endpoint = `http://127.0.0.1:${port}`;
  s3rver = spawn(
    process.execPath,
    [require.resolve('s3rver/bin/s3rver.js'), '-d', path.join(scratch, 's3'), '-a', '127.0.0.1', '-p', String(port), '--silent', '--configure-bucket', S3.bucket],
    { stdio: 'ignore' },
  );
  const store = new S3Store({ endpoint: s3Endpoint, ...S3 });
  const deadline = Date.now() + 20_000;
  while (!(await store.ping())) {
    if (Date.now() > deadline) throw new Error('s3rver did not come up');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
});
afterAll(async () => {
  if (s3rver) await stopChild(s3rver);
  rmSync(scratch, { recursive: true, force: true });
});

describe.each([
  ['disk', () => new DiskStore(path.join(scratch, `disk-${Math.random().toString(36).slice(2)}`)).init()],
  ['s3', () => new S3Store({ endpoint: s3Endpoint, ...S3 }).init()],
])('the %s store', (_name, open: () => Promise<BlobStore>) => {
  let store: BlobStore;
  beforeAll(async () => {
    store = await open();
  });

  it('stores, streams whole or in part, and deletes', async () => {
    const data = Buffer.from('0123456789abcdefghij');
    await store.put('a1/thumb.webp', data, 'image/webp');
    expect(await text(await store.get('a1/thumb.webp'))).toBe('0123456789abcdefghij');
    expect(await text(await store.get('a1/thumb.webp', { start: 5, end: 9 }))).toBe('56789');
    await store.delete(['a1/thumb.webp', 'a1/never-stored.png']);
    await expect(store.get('a1/thumb.webp')).rejects.toThrow();
  });

  it('moves a spooled file in, consuming it', async () => {
    mkdirSync(store.spoolDir, { recursive: true });
    const spooled = path.join(store.spoolDir, 'incoming');
    writeFileSync(spooled, Buffer.alloc(300_000, 7));
    await store.putFile('b2/original.mp4', spooled, 'video/mp4');
    expect(existsSync(spooled)).toBe(false);
    const chunks: Buffer[] = [];
    for await (const chunk of await store.get('b2/original.mp4')) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(Buffer.alloc(300_000, 7))).toBe(true);
    await store.delete(['b2/original.mp4']);
  });

  it('refuses keys it did not make', async () => {
    await expect(store.put('../escape', Buffer.from('x'), 'text/plain')).rejects.toThrow(/invalid blob key/);
    await expect(store.get('/etc/passwd')).rejects.toThrow(/invalid blob key/);
  });

  it('answers ping', async () => {
    expect(await store.ping()).toBe(true);
  });
});

describe('the disk store', () => {
  it('writes through a temporary file and clears what a crash left there at start', async () => {
    const root = path.join(scratch, 'crash');
    const store = await new DiskStore(root).init();
    const leftover = path.join(store.spoolDir, 'half-written');
    writeFileSync(leftover, 'partial');
    const twoHoursAgo = new Date(Date.now() - 2 * 3_600_000);
    utimesSync(leftover, twoHoursAgo, twoHoursAgo);
    writeFileSync(path.join(store.spoolDir, 'being-written'), 'by another process');
    await store.put('c3/large.jpeg', Buffer.from('whole'), 'image/jpeg');
    expect(readdirSync(root).sort()).toEqual(['.tmp', 'c3']);
    await new DiskStore(root).init(); // a restart: the old leftover goes, a fresh spool file stays
    expect(readdirSync(store.spoolDir)).toEqual(['being-written']);
    expect(readdirSync(path.join(root, 'c3'))).toEqual(['large.jpeg']);
  });
});

describe('media with MEDIA_STORAGE=s3', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({
      subgraphEnv: { MEDIA_STORAGE: 's3', S3_ENDPOINT: s3Endpoint, S3_BUCKET: S3.bucket, S3_REGION: S3.region, S3_ACCESS_KEY_ID: S3.accessKeyId, S3_SECRET_ACCESS_KEY: S3.secretAccessKey },
    });
  });
  afterAll(() => stack?.stop());

  it('uploads, serves and deletes through the bucket', async () => {
    const { session } = await signUp(stack.web);
    const postId = (await session.gql(`mutation { createPost(input: { title: "to the bucket", body: "x", status: PUBLISHED }) { id } }`)).body.data.createPost.id;
    const image = await jpeg(900, 600);
    const ticket = (await session.gql(`mutation($p: ID!, $b: Int!) { createUpload(postId: $p, kind: IMAGE, mimeType: "image/jpeg", bytes: $b) { url } }`, { p: postId, b: image.length })).body.data
      .createUpload;
    const put = await fetch(`${stack.web}${ticket.url}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: image });
    expect(put.status).toBe(201);
    const { media } = (await put.json()) as { media: { id: string } };

    const large = await fetch(`${stack.web}/media/${media.id}/large`, { headers: { accept: 'image/webp' } });
    expect(large.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(Buffer.from(await large.arrayBuffer())).metadata()).toMatchObject({ width: 900, height: 600 });
    // The files are in the bucket, not on the media service's disk.
    expect(readdirSync(stack.mediaDir)).toEqual([]);
    const objects = await (await fetch(`${s3Endpoint}/${S3.bucket}?prefix=${media.id}`)).text();
    expect(objects.match(/<Key>/g)).toHaveLength(8);

    await session.gql(`mutation($id: ID!) { deleteMedia(id: $id) }`, { id: media.id });
    expect((await fetch(`${stack.web}/media/${media.id}/large`)).status).toBe(404);
    expect((await (await fetch(`${s3Endpoint}/${S3.bucket}?prefix=${media.id}`)).text()).match(/<Key>/g)).toBeNull();
  });
});
