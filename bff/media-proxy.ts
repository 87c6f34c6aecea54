import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { HttpError, sendJson, type PrefixRoutes } from '../lib/http/server';
import { ASSERTION_HEADER, type Viewer } from '../lib/identity/assertion';
import type { Logger } from '../lib/telemetry/logger';
import type { MediaProxyOptions } from '../lib/config/media-proxy';
import { guardDownload, watchUploadBody } from '../lib/http/stream-deadlines';

/** The paths a BFF passes through to the media subgraph, so a client talks to one host. */
export const MEDIA_PROXY_PATHS = ['/media/', '/uploads/'] as const;

/** What a client may tell media, per kind of request; framing headers of a body only with the body. */
const DOWNLOAD_HEADERS = ['accept', 'range', 'if-range', 'if-none-match'];
const UPLOAD_HEADERS = ['content-type', 'content-length'];
const RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'cache-control',
  'vary',
  'location',
  'x-content-type-options',
  // A 503 MEDIA_BUSY (or 429) says when to retry the upload.
  'retry-after',
  // A 405 says which methods the path takes.
  'allow',
];

/** Who the client of a file request is, the way the BFF's /graphql authenticates it; null when anonymous. */
export type ViewerOf = (req: IncomingMessage, res: ServerResponse) => Promise<Viewer | null>;

/**
 * Transfers in flight per client, so one client cannot take every connection to media: a client is
 * its verified user, or, anonymous, its address (`TRUST_PROXY`: the last `X-Forwarded-For` hop).
 * A request over the bound may wait `waitMs` for a slot (a page over HTTP/2 asks for all its
 * images at once), then is refused. Hand-written: cockatiel's bulkhead bounds one policy as a
 * whole, not each key; a map of bulkheads per client would need this bookkeeping to free them.
 */
export class PerClient {
  private readonly active = new Map<string, number>();
  private readonly waiting = new Map<string, (() => void)[]>();
  constructor(
    private readonly limit: number,
    private readonly waitMs: number,
  ) {}

  /** Takes a slot for `client`; resolves with how to give it back, or null when none came free in time. */
  async take(client: string): Promise<(() => void) | null> {
    if ((this.active.get(client) ?? 0) >= this.limit) {
      if (this.waitMs === 0) return null;
      const queue = this.waiting.get(client) ?? [];
      if (queue.length >= this.limit) return null; // a client's queue is bounded like its slots
      this.waiting.set(client, queue);
      let handOver!: () => void;
      const handedOver = new Promise<boolean>((resolve) => {
        handOver = () => resolve(true);
        queue.push(handOver);
        setTimeout(() => resolve(false), this.waitMs).unref();
      });
      if (!(await handedOver)) {
        const index = queue.indexOf(handOver);
        if (index < 0) return this.releaser(client); // handed over just as the wait ended: it is ours
        queue.splice(index, 1);
        if (queue.length === 0) this.waiting.delete(client);
        return null;
      }
      return this.releaser(client); // the finishing transfer handed its slot over
    }
    this.active.set(client, (this.active.get(client) ?? 0) + 1);
    return this.releaser(client);
  }

  private releaser(client: string): () => void {
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const queue = this.waiting.get(client);
      const next = queue?.shift();
      if (queue?.length === 0) this.waiting.delete(client);
      if (next) return next(); // the slot passes to the next in line, still counted
      const now = (this.active.get(client) ?? 1) - 1;
      if (now > 0) this.active.set(client, now);
      else this.active.delete(client);
    };
  }
}

function clientKey(req: IncomingMessage, viewer: Viewer | null, trustProxy: boolean): string {
  if (viewer) return `user:${viewer.id}`;
  const forwarded = trustProxy ? String(req.headers['x-forwarded-for'] ?? '').split(',').at(-1)?.trim() : '';
  return `address:${forwarded || req.socket.remoteAddress || 'unknown'}`;
}

/**
 * A BFF's pass-through to media's file endpoints: `GET|HEAD /media/<id>/<size>` and
 * `PUT /uploads/<token>`, streamed both ways (never buffered), over keep-alive connections. The
 * client is authenticated as on /graphql (`viewerOf`: the session cookie, or a bearer token) and
 * media gets an assertion for that viewer, so it serves a draft's files to its author and admins
 * only. The upload URL's secret is the credential for a PUT, as with a presigned URL.
 *
 * Slow clients: the pools to media have no small global bound (one client could fill it); instead
 * each client may have `MEDIA_PROXY_DOWNLOADS_PER_CLIENT` (16) downloads and
 * `MEDIA_PROXY_UPLOADS_PER_CLIENT` (4) uploads in flight; a download over it waits up to
 * `MEDIA_PROXY_DOWNLOAD_WAIT_MS` (2000) for a slot, then, like an upload over it at once, is refused
 * with 429 (RATE_LIMITED, TOO_MANY_UPLOADS) and Retry-After without reaching media. A download whose client stops reading
 * is cut (`MEDIA_DOWNLOAD_IDLE_TIMEOUT_MS`, `MEDIA_DOWNLOAD_TIMEOUT_MS`); an upload body that stalls
 * is left to media to refuse with 408 (it knows the upload), and answered 408 here a second later if
 * media has not. A download gets its answer's headers within media's subgraph timeout; an upload
 * may stay silent for `MEDIA_UPLOAD_TIMEOUT_MS` (default 120000) once its body is sent, since media
 * decodes and renders it before answering. When media cannot answer: 503/504 with
 * SUBGRAPH_UNAVAILABLE/SUBGRAPH_TIMEOUT, and no internal address.
 */
export function mediaProxy(
  mediaGraphqlUrl: string,
  sign: (viewer: Viewer | null) => Promise<string>,
  logger: Logger,
  viewerOf: ViewerOf,
  { downloadTimeoutMs: downloadTimeout, uploadTimeoutMs: uploadTimeout, downloadsPerClient, downloadWaitMs, uploadsPerClient, trustProxy, deadlines }: MediaProxyOptions,
): PrefixRoutes {
  const origin = new URL(mediaGraphqlUrl).origin;
  // Bounded per client below, not here: a small global maxSockets is a pool one client can fill.
  const downloads = new http.Agent({ keepAlive: true, maxFreeSockets: 64 });
  const uploads = new http.Agent({ keepAlive: true, maxFreeSockets: 16 });
  const downloadSlots = new PerClient(downloadsPerClient, downloadWaitMs);
  // An upload holds its slot for as long as its body takes: waiting for one would not help.
  const uploadSlots = new PerClient(uploadsPerClient, 0);

  const forward = (prefix: string) =>
    async function proxy(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
      const upload = req.method === 'PUT';
      // An upload's credential is its URL; its viewer only picks the client's bound, so a stale
      // token there counts as anonymous rather than refusing the file.
      const viewer = await viewerOf(req, res).catch((error: unknown) => {
        if (upload && error instanceof HttpError && error.status === 401) return null;
        throw error;
      });
      const release = await (upload ? uploadSlots : downloadSlots).take(clientKey(req, viewer, trustProxy));
      if (!release) {
        if (upload) res.setHeader('connection', 'close'); // its body is not read
        throw upload
          ? new HttpError(429, 'TOO_MANY_UPLOADS', 'Too many uploads in progress from this client; wait for one to finish', { 'retry-after': '5' })
          : new HttpError(429, 'RATE_LIMITED', 'Too many downloads in progress from this client; try again shortly', { 'retry-after': '1' });
      }
      try {
        await pass(req, res, prefix, rest, upload, viewer);
      } finally {
        release();
      }
    };

  async function pass(req: IncomingMessage, res: ServerResponse, prefix: string, rest: string, upload: boolean, viewer: Viewer | null): Promise<void> {
    const headers: Record<string, string> = { [ASSERTION_HEADER]: await sign(viewer) };
    const requestId = res.getHeader('x-request-id');
    if (typeof requestId === 'string') headers['x-request-id'] = requestId;
    for (const name of upload ? UPLOAD_HEADERS : DOWNLOAD_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    await new Promise<void>((resolve) => {
      const upstream = http.request(`${origin}${prefix}${rest}`, {
        method: req.method,
        headers,
        agent: upload ? uploads : downloads,
        ...(upload && { timeout: uploadTimeout }),
      });
      let settled = false;
      // A download's deadline runs from now, waiting for a connection included, and answers itself:
      // a request destroyed while it waits for a pooled socket reports no error (measured on main).
      const deadline = upload
        ? undefined
        : setTimeout(() => {
            logger.warn({ path: prefix, ms: downloadTimeout }, 'media did not answer a file request in time');
            upstream.destroy();
            fail(504, 'SUBGRAPH_TIMEOUT', 'The media service did not answer in time');
          }, downloadTimeout);
      const fail = (status: number, code: string, message: string, extra: Record<string, string> = {}) => {
        if (settled) return;
        settled = true;
        if (!res.headersSent) {
          res.setHeader('cache-control', 'no-store');
          for (const [name, value] of Object.entries(extra)) res.setHeader(name, value);
          sendJson(res, status, { errors: [{ message, extensions: { code, ...(status >= 500 && { serviceName: 'media' }) } }] });
        } else res.destroy();
        resolve();
      };
      upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('media did not answer in time'), { code: 'TIMEOUT' })));
      upstream.on('error', (error: NodeJS.ErrnoException) => {
        if (res.headersSent) return; // the answer is on its way; a reset after it does not matter
        if (error.code === 'CLIENT_LATE') return fail(408, 'REQUEST_TIMEOUT', 'The upload stalled before the whole file arrived', { connection: 'close' });
        logger.warn({ err: error, path: prefix }, 'media file request failed');
        if (error.code === 'TIMEOUT') fail(504, 'SUBGRAPH_TIMEOUT', 'The media service did not answer in time');
        else fail(503, 'SUBGRAPH_UNAVAILABLE', 'The media service is unavailable; try again shortly');
      });
      upstream.on('close', () => clearTimeout(deadline));
      upstream.on('response', (answer) => {
        clearTimeout(deadline);
        if (settled) return void answer.destroy();
        settled = true;
        const out: Record<string, string> = {};
        for (const name of RESPONSE_HEADERS) {
          const value = answer.headers[name];
          if (typeof value === 'string') out[name] = value;
        }
        // A renewed session's cookies ride on this answer: no shared cache may keep it.
        if (res.hasHeader('set-cookie') && /public/.test(out['cache-control'] ?? '')) out['cache-control'] = 'private, no-cache';
        // writeHead's headers replace those set before, and this answer may vary by Origin (bff-mobile's CORS) too.
        const varies = res.getHeader('vary');
        if (varies !== undefined && out.vary) out.vary = `${String(varies)}, ${out.vary}`;
        // Answered before the whole body arrived (a refusal): close rather than read the rest.
        if (upload && !req.complete) out.connection = 'close';
        res.writeHead(answer.statusCode ?? 502, out);
        const disarm = upload ? () => undefined : guardDownload(res, deadlines.downloadIdleMs, deadlines.downloadTotalMs, (reason) => logger.info({ reason }, 'cut a download its client stopped reading'));
        pipeline(answer, res).then(
          () => {
            disarm();
            resolve();
          },
          () => {
            disarm();
            res.destroy();
            resolve();
          },
        );
      });
      if (upload) {
        req.pipe(upstream);
        // Media refuses a stalled body itself (408); this is for when it does not, a second later.
        watchUploadBody(req, deadlines.uploadIdleMs + 1_000, deadlines.uploadBodyMs + 1_000, () => {
          req.unpipe(upstream);
          upstream.destroy(Object.assign(new Error('the client stalled'), { code: 'CLIENT_LATE' }));
        });
        req.on('aborted', () => upstream.destroy());
      } else {
        upstream.end();
      }
    });
  }

  return Object.fromEntries(MEDIA_PROXY_PATHS.map((prefix) => [prefix, forward(prefix)]));
}
