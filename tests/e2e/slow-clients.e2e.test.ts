import { connect, type Socket } from 'node:net';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { jpeg, mp4 } from '../support/images';
import { graphql, startStack, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/**
 * Slow clients cannot hold up anyone else: uploads that trickle and downloads that are never read
 * are bounded per client and cut by idle deadlines, a user has at most two uploads in progress,
 * and a slowloris on /graphql is closed, while another user's upload and download go through as
 * usual. Real processes on loopback; every attacking socket is closed at the end of its test.
 */
let stack: Stack;
let mediaDb: pg.Client;
const UPLOAD_IDLE_MS = 4_000;
const DOWNLOAD_IDLE_MS = 3_000;
const HEADERS_TIMEOUT_MS = 3_000;
const deadlines = {
  MEDIA_UPLOAD_IDLE_TIMEOUT_MS: String(UPLOAD_IDLE_MS),
  MEDIA_DOWNLOAD_IDLE_TIMEOUT_MS: String(DOWNLOAD_IDLE_MS),
  HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
  // Refused at once rather than after a short wait for a slot, so the counts below are exact
  // (a transfer the kernel buffered whole frees its slot early; the wait has its unit test).
  MEDIA_PROXY_DOWNLOAD_WAIT_MS: '0',
};

let victim: { session: WebSession; user: { id: string } };
let victimPost: string;
/** A stored video large enough that a client that does not read stalls its transfer. */
let videoUrl: string;
const VIDEO_BYTES = 24 * 1024 * 1024; // well past what the sockets of two hops buffer (about 4 MiB each here)
const sockets: Socket[] = [];

const CREATE_UPLOAD = `mutation($postId: ID, $kind: MediaKind!, $mimeType: String!, $bytes: Int!) {
  createUpload(postId: $postId, kind: $kind, mimeType: $mimeType, bytes: $bytes) { url }
}`;

async function newPost(session: WebSession): Promise<string> {
  const { body } = await session.gql(`mutation { createPost(input: { title: "slow", body: "x", status: PUBLISHED }) { id } }`);
  return body.data.createPost.id;
}

async function uploadUrl(session: WebSession, postId: string, bytes: number, kind = 'IMAGE', mimeType = 'image/jpeg'): Promise<string> {
  const { body } = await session.gql(CREATE_UPLOAD, { postId, kind, mimeType, bytes });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data.createUpload.url;
}

const cookieOf = (session: WebSession) => `fg_session=${session.cookies.get('fg_session')}`;

async function put(url: string, bytes: Buffer, headers: Record<string, string> = {}, mimeType = 'image/jpeg') {
  const response = await fetch(`${stack.web}${url}`, { method: 'PUT', headers: { 'content-type': mimeType, ...headers }, body: bytes });
  return { status: response.status, headers: response.headers, body: (await response.json().catch(() => null)) as any };
}

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  /** The body bytes read with the headers (a paused socket reads no more). */
  start: Buffer;
}

/**
 * A raw HTTP/1.1 exchange on its own socket: `head` is sent at once, the answer's status line and
 * headers are parsed as they arrive; with `pauseAfterHead` the socket then stops reading, as a
 * client that never reads the body. `closed` resolves with the bytes read in all once the server
 * ends the connection.
 */
function raw(origin: string, head: string, options: { pauseAfterHead?: boolean } = {}) {
  const { port } = new URL(origin);
  const socket = connect(Number(port), '127.0.0.1');
  sockets.push(socket);
  socket.write(head);
  let buffered = Buffer.alloc(0);
  let total = 0;
  let answered: RawAnswer | null = null;
  const answer = new Promise<RawAnswer>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (answered) return;
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [statusLine, ...lines] = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers = Object.fromEntries(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      answered = { status: Number(statusLine.split(' ')[1]), headers, start: buffered.subarray(end + 4) };
      if (options.pauseAfterHead) socket.pause();
      resolve(answered);
    });
    socket.on('close', () => !answered && reject(new Error('closed without an answer')));
    socket.on('error', () => undefined);
  });
  answer.catch(() => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(total)));
  return { socket, answer, closed };
}

/** Resolves with what `promise` gave, or 'pending' when it has not settled within `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), ms)))]).finally(() => clearTimeout(timer));
}

/** Polls `check` every 100 ms until it is true or `ms` have passed; resolves with the last result. */
async function eventually(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function storedFiles(dir = stack.mediaDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? storedFiles(path.join(dir, entry.name)) : [entry.name]));
}

async function storedState() {
  const { rows } = await mediaDb.query('SELECT (SELECT count(*) FROM media)::int AS media, (SELECT count(*) FROM renditions)::int AS renditions');
  return { ...rows[0], files: storedFiles().length };
}

/** The victim's upload and download, timed: what another user does while the attack runs. */
async function victimUploadsAndDownloads() {
  const image = await jpeg(800, 600);
  const started = Date.now();
  const stored = await put(await uploadUrl(victim.session, victimPost, image.length), image, { cookie: cookieOf(victim.session) });
  const uploadMs = Date.now() - started;
  expect(stored.status).toBe(201);
  const fetchedAt = Date.now();
  const download = await fetch(`${stack.web}${videoUrl}`, { headers: { cookie: cookieOf(victim.session) } });
  const bytes = Buffer.from(await download.arrayBuffer());
  const downloadMs = Date.now() - fetchedAt;
  expect(download.status).toBe(200);
  expect(bytes.length).toBe(VIDEO_BYTES);
  return { uploadMs, downloadMs };
}

beforeAll(async () => {
  stack = await startStack({ bffEnv: deadlines, subgraphEnv: deadlines });
  mediaDb = new pg.Client({ connectionString: stack.databases.urls.media });
  await mediaDb.connect();
  victim = await signUp(stack.web);
  victimPost = await newPost(victim.session);
  const video = mp4(VIDEO_BYTES);
  const stored = await put(await uploadUrl(victim.session, victimPost, video.length, 'VIDEO', 'video/mp4'), video, {}, 'video/mp4');
  expect(stored.status).toBe(201);
  videoUrl = `/media/${stored.body.media.id}/original`;
}, 120_000);
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});
afterAll(async () => {
  await mediaDb?.end();
  await stack?.stop();
});

describe('uploads that trickle', () => {
  it('32 slow uploads: at most 2 per user reach media, the rest are refused 429 with their URLs unspent; another user uploads and downloads as usual', async () => {
    const image = await jpeg(200, 150);
    const attackers = [await signUp(stack.web), await signUp(stack.web)];
    const urls: string[] = [];
    for (const attacker of attackers) {
      const post = await newPost(attacker.session);
      for (let i = 0; i < 16; i++) urls.push(await uploadUrl(attacker.session, post, image.length));
    }
    const { port } = new URL(stack.web);
    // A real file, one byte a second each: never idle long enough to be cut, never done.
    const exchanges = urls.map((url) => raw(stack.web, `PUT ${url} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: image/jpeg\r\nContent-Length: ${image.length}\r\n\r\n`));
    let sent = 0;
    const trickle = setInterval(() => {
      for (const { socket } of exchanges) if (!socket.destroyed) socket.write(image.subarray(sent, sent + 1));
      sent += 1;
    }, 1_000);
    try {
      const outcomes = await Promise.all(exchanges.map(({ answer }) => within(answer, 3_000)));
      const refused = outcomes.filter((o): o is RawAnswer => o !== 'pending');
      const inProgress = outcomes.filter((o) => o === 'pending').length;
      // Media lets each user have two in progress; the BFF lets one client address four.
      expect(inProgress).toBeGreaterThanOrEqual(1);
      expect(inProgress).toBeLessThanOrEqual(4);
      for (const answer of refused) {
        expect(answer.status).toBe(429);
        expect(JSON.parse(answer.start.toString('utf8')).errors[0].extensions.code).toBe('TOO_MANY_UPLOADS');
        expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
      }

      // Meanwhile another user's upload and download go through within a few seconds.
      const { uploadMs, downloadMs } = await victimUploadsAndDownloads();
      expect(uploadMs).toBeLessThan(5_000);
      expect(downloadMs).toBeLessThan(5_000);

      // A refused URL was not spent: once the attack is over it takes the real file.
      const refusedUrl = urls[outcomes.findIndex((o) => o !== 'pending')];
      clearInterval(trickle);
      for (const { socket } of exchanges) socket.destroy();
      // The attackers' slots are freed once media sees their uploads abort, a moment after the
      // sockets close; until then a retry is refused as before (and, like it, spends nothing).
      let retried = await put(refusedUrl, image);
      for (const deadline = Date.now() + 10_000; retried.status === 429 && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 100));
        retried = await put(refusedUrl, image);
      }
      expect(retried).toMatchObject({ status: 201, body: { media: { status: 'READY' } } });
    } finally {
      clearInterval(trickle);
    }
  }, 60_000);

  it('an upload whose body stops is refused with 408 REQUEST_TIMEOUT, and nothing is kept', async () => {
    const image = await jpeg(640, 480);
    const url = await uploadUrl(victim.session, victimPost, image.length);
    const before = await storedState();
    const { port } = new URL(stack.web);
    const started = Date.now();
    const exchange = raw(stack.web, `PUT ${url} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: image/jpeg\r\nContent-Length: ${image.length}\r\n\r\n`);
    exchange.socket.write(image.subarray(0, 1_000));
    const answer = await within(exchange.answer, UPLOAD_IDLE_MS + 8_000);
    expect(answer).not.toBe('pending');
    const { status, start } = answer as RawAnswer;
    expect(status).toBe(408);
    expect(JSON.parse(start.toString('utf8')).errors[0].extensions.code).toBe('REQUEST_TIMEOUT');
    expect(Date.now() - started).toBeGreaterThanOrEqual(UPLOAD_IDLE_MS - 500);
    await exchange.closed; // the connection is closed after the answer: the rest of the body is not awaited
    expect(await storedState()).toEqual(before);
  }, 30_000);
});

describe('downloads that are never read', () => {
  it('72 stalled downloads: a client gets at most 16 at once, each is cut once idle, and another user downloads as usual', async () => {
    const { port } = new URL(stack.web);
    const exchanges = Array.from({ length: 72 }, () => raw(stack.web, `GET ${videoUrl} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, { pauseAfterHead: true }));
    const answers = await Promise.all(exchanges.map(({ answer }) => within(answer, 10_000)));
    const statuses = answers.map((a) => (a === 'pending' ? 'pending' : a.status));
    // Every one is answered at once, served or refused (none waits in a queue for a connection).
    expect(statuses).not.toContain('pending');
    const served = statuses.filter((s) => s === 200).length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThanOrEqual(16);
    for (const answer of (answers as RawAnswer[]).filter((a) => a.status !== 200)) {
      expect(answer.status).toBe(429);
      expect(Number(answer.headers['retry-after'])).toBeGreaterThan(0);
    }

    const { uploadMs, downloadMs } = await victimUploadsAndDownloads();
    expect(uploadMs).toBeLessThan(5_000);
    expect(downloadMs).toBeLessThan(5_000);

    // The stalled ones are cut once idle: the same client address is served again…
    const served2 = await eventually(async () => (await fetch(`${stack.web}${videoUrl}`, { method: 'HEAD' })).status === 200, DOWNLOAD_IDLE_MS + 15_000);
    expect(served2).toBe(true);
    // …because each was cut: it ends short of the file once read. (The kernel may take a whole file
    // into a socket's buffers before the client stops reading; such a transfer is over, not stalled.)
    const stalled = exchanges.filter((_, i) => statuses[i] === 200);
    for (const { socket } of stalled) socket.resume();
    const outcomes = await Promise.all(
      stalled.map(({ socket, closed }) => within(closed, 10_000).then((bytes) => (bytes === 'pending' ? { cut: false, bytes: socket.bytesRead } : { cut: true, bytes }))),
    );
    const cut = outcomes.filter((o) => o.cut);
    expect(cut.length).toBeGreaterThan(0);
    for (const { bytes } of cut) expect(bytes).toBeLessThan(VIDEO_BYTES);
    // Not cut: the whole file (and its headers) had arrived already.
    for (const { bytes } of outcomes.filter((o) => !o.cut)) expect(bytes).toBeGreaterThan(VIDEO_BYTES);
  }, 60_000);
});

describe('a slowloris on /graphql', () => {
  it('is closed once its headers take longer than HTTP_HEADERS_TIMEOUT_MS, while others are answered at once', async () => {
    const { port } = new URL(stack.web);
    const slow = Array.from({ length: 20 }, () => raw(stack.web, `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`));
    const drip = setInterval(() => {
      for (const { socket } of slow) if (!socket.destroyed) socket.write(`x-drip: ${Date.now()}\r\n`);
    }, 500);
    try {
      const started = Date.now();
      const { status, body } = await graphql(stack.web, `{ posts(first: 1) { nodes { id } } }`);
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
      expect(Date.now() - started).toBeLessThan(2_000);
      const closedWithin = await within(Promise.all(slow.map(({ closed }) => closed)), HEADERS_TIMEOUT_MS + 5_000);
      expect(closedWithin).not.toBe('pending');
    } finally {
      clearInterval(drip);
    }
  }, 30_000);
});
