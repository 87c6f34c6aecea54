import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import parseRangeHeader from 'range-parser';
import { isId } from '../../../lib/graphql/errors';
import { HttpError } from '../../../lib/http/server';
import type { Caller } from '../../../lib/identity/assertion';
import type { Logger } from '../../../lib/telemetry/logger';
import { guardDownload, type TransferDeadlines } from '../../../lib/http/stream-deadlines';
import type { PrismaClient, RenditionSize } from '../generated/prisma/client';
import type { PostsClient } from '../posts-client';
import type { BlobStore, ByteRange } from './storage';

/** Where a client fetches a rendition: `/media/<id>/<size>`, on the BFF it talks to. */
export const MEDIA_PATH = '/media/';
const SIZES: Record<string, RenditionSize> = { thumb: 'THUMB', small: 'SMALL', large: 'LARGE', original: 'ORIGINAL' };
/** An avatar is public for good and a record never changes its files: a URL names the same bytes for ever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** A file only its viewer may see: no shared cache, and the browser asks again (a 304) each time. */
const PRIVATE = 'private, no-cache';

/** Who may see a post's files: everyone, only this caller (a draft, its author or an admin), or not this caller. */
export type Visibility = 'public' | 'private' | 'hidden';
export type PostVisibility = (caller: Caller, postId: string) => Promise<Visibility>;

/** Most posts whose anonymous visibility a process remembers at once. */
const REMEMBERED = 10_000;

/**
 * Who may see a post's files, for file delivery: `public` when an anonymous caller may see the
 * post (published), else `private` for a caller posts lets see it (its author, an admin), else
 * `hidden`. Anonymous visibility is remembered for `cacheMs` per process (a page asks for many
 * files of the same posts), so a post unpublished that recently may still have its files served
 * publicly; a caller's own visibility is never remembered. Posts unreachable: 503 SUBGRAPH_UNAVAILABLE.
 */
export function postVisibility({ visiblePostIds }: PostsClient, cacheMs: number): PostVisibility {
  const anonymous = new Map<string, { visible: boolean; until: number }>();
  const ask = async (caller: Pick<Caller, 'viewer'>, postId: string) => {
    try {
      return (await visiblePostIds(caller, [postId])).has(postId);
    } catch {
      throw new HttpError(503, 'SUBGRAPH_UNAVAILABLE', 'Cannot check who may see this file right now; try again shortly', { 'retry-after': '2' });
    }
  };
  return async function visibility(caller: Caller, postId: string): Promise<Visibility> {
    let known = anonymous.get(postId);
    if (!known || known.until <= Date.now()) {
      known = { visible: await ask({ viewer: null }, postId), until: Date.now() + cacheMs };
      if (anonymous.size >= REMEMBERED) anonymous.clear();
      anonymous.set(postId, known);
    }
    if (known.visible) return 'public';
    if (!caller.viewer) return 'hidden';
    return (await ask(caller, postId)) ? 'private' : 'hidden';
  };
}

export interface DeliverySettings {
  deadlines: TransferDeadlines;
  /** `max-age` of a file on a published post: how long caches may keep it after the post is unpublished. */
  publicMaxAgeSeconds: number;
}

interface Candidate {
  format: string;
  mimeType: string;
  bytes: bigint;
  sha256: string;
  key: string;
}

/** The q-value the Accept header gives `mimeType` (exact type, `image/*`, or `*\/*`), 0 when refused. */
function quality(accept: string, mimeType: string): number {
  let best = -1;
  let specificity = -1;
  for (const part of accept.split(',')) {
    const [range, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? 1);
    const [type, subtype] = range.split('/');
    const matches = range === mimeType ? 2 : subtype === '*' && (type === '*' || mimeType.startsWith(`${type}/`)) ? (type === '*' ? 0 : 1) : -1;
    if (matches > specificity) {
      specificity = matches;
      best = Number.isFinite(q) ? q : 0;
    }
  }
  return Math.max(best, 0);
}

/**
 * Picks the file to send: a modern format (WebP) only when the client names it in Accept
 * (browsers do), otherwise the universally readable one (JPEG or PNG).
 */
function choose(candidates: Candidate[], accept: string | undefined): Candidate {
  if (candidates.length === 1) return candidates[0];
  const universal = candidates.find((c) => c.format === 'jpeg' || c.format === 'png') ?? candidates[0];
  const modern = candidates.find((c) => c.format === 'webp');
  if (modern && accept && accept.toLowerCase().includes(modern.mimeType) && quality(accept, modern.mimeType) >= quality(accept, universal.mimeType) && quality(accept, modern.mimeType) > 0) {
    return modern;
  }
  return universal;
}

/**
 * The one range of a `Range: bytes=…` header (range-parser reads it): null when the whole file is
 * to be sent, 'unsatisfiable' (416) when the range is valid but lies past the file's end. RFC 9110
 * §14.2: a unit other than bytes is ignored, and so is a range that is not valid syntax (`bytes=x`,
 * `bytes=5-2`); several ranges are answered with the whole file too (no multipart here).
 */
export function parseRange(header: string | undefined, size: number): ByteRange | null | 'unsatisfiable' {
  if (!header || !/^bytes=/i.test(header)) return null;
  // Range units are case-insensitive; range-parser compares them as written.
  const ranges = parseRangeHeader(size, `bytes=${header.slice(6)}`, { combine: true });
  if (ranges === -2) return null;
  if (ranges === -1) {
    const single = /^bytes=\s*(\d*)-(\d*)\s*$/i.exec(header);
    if (!single) return null;
    const [, first, last] = single;
    if (first !== '' && last !== '' && Number(last) < Number(first)) return null;
    // range-parser refuses a suffix longer than the file; RFC 9110 means the whole file by it.
    if (first === '' && Number(last) > 0 && size > 0) return { start: 0, end: size - 1 };
    return 'unsatisfiable';
  }
  if (ranges.type !== 'bytes') return null;
  return ranges.length === 1 ? { start: ranges[0].start, end: ranges[0].end } : null;
}

/** True when `If-None-Match` names `etag` (or is `*`); weak comparison, as RFC 9110 says for it. */
function notModified(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

/**
 * `GET|HEAD /media/<id>/<size>`: streams a rendition with its type, length and a strong ETag,
 * 304 for a matching `If-None-Match`, and single byte ranges (for video seeking). A file is
 * served only to whoever may see what it belongs to: an avatar to anyone (cached for a year, its
 * bytes never change), a file on a post to whoever posts says may see the post. A published
 * post's files may be cached publicly for `publicMaxAgeSeconds` (so unpublishing takes that long to
 * reach caches); a draft's go to its author and admins, `private` and revalidated each time. For
 * anyone else a hidden file is 404 NOT_FOUND, exactly as for an id that does not exist. A client
 * that stops reading is cut after the download deadlines.
 */
export function deliveryRoute(db: PrismaClient, store: BlobStore, logger: Logger, visibility: PostVisibility, settings: DeliverySettings) {
  const publicCache = `public, max-age=${settings.publicMaxAgeSeconds}`;
  return async function deliver(req: IncomingMessage, res: ServerResponse, rest: string, caller: Caller): Promise<void> {
    // Refusals are never stored: a 404 for one viewer may be a file for another.
    res.setHeader('cache-control', 'no-store');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Media is fetched with GET', { allow: 'GET, HEAD' });
    const [id, sizeName, extra] = rest.split('/');
    const size = SIZES[sizeName ?? ''];
    if (!id || !isId(id) || !size || extra !== undefined) throw new HttpError(404, 'NOT_FOUND', 'No such media file');
    const candidates = await db.rendition.findMany({
      where: { mediaId: id.toLowerCase(), size },
      select: { format: true, mimeType: true, bytes: true, sha256: true, key: true, media: { select: { postId: true } } },
    });
    if (candidates.length === 0) throw new HttpError(404, 'NOT_FOUND', 'No such media file');
    const postId = candidates[0].media.postId;
    const seen = postId ? await visibility(caller, postId) : 'public';
    if (seen === 'hidden') throw new HttpError(404, 'NOT_FOUND', 'No such media file');
    const file = choose(candidates, req.headers.accept);
    const etag = `"${file.sha256}"`;
    const total = Number(file.bytes);
    res.setHeader('etag', etag);
    res.setHeader('cache-control', !postId ? IMMUTABLE : seen === 'public' ? publicCache : PRIVATE);
    res.setHeader('x-content-type-options', 'nosniff');
    if (candidates.length > 1) res.setHeader('vary', 'Accept');
    if (notModified(req.headers['if-none-match'], etag)) {
      res.writeHead(304);
      return void res.end();
    }
    res.setHeader('accept-ranges', 'bytes');
    const ifRange = req.headers['if-range'];
    const range = ifRange && ifRange !== etag ? null : parseRange(req.headers.range, total);
    if (range === 'unsatisfiable') {
      res.writeHead(416, { 'content-range': `bytes */${total}` });
      return void res.end();
    }
    const headers: Record<string, string | number> = { 'content-type': file.mimeType, 'content-length': range ? range.end - range.start + 1 : total };
    if (range) headers['content-range'] = `bytes ${range.start}-${range.end}/${total}`;
    if (req.method === 'HEAD') {
      res.writeHead(range ? 206 : 200, headers);
      return void res.end();
    }
    let body;
    try {
      body = await store.get(file.key, range ?? undefined);
    } catch (error) {
      logger.error({ err: error, key: file.key }, 'a media file is missing from the store');
      throw new HttpError(404, 'NOT_FOUND', 'No such media file');
    }
    res.writeHead(range ? 206 : 200, headers);
    const { downloadIdleMs, downloadTotalMs } = settings.deadlines;
    const disarm = guardDownload(res, downloadIdleMs, downloadTotalMs, (reason) => logger.info({ mediaId: id, reason }, 'cut a download its client stopped reading'));
    // A client that goes away mid-file is not an error worth more than a debug line.
    await pipeline(body, res)
      .catch((error) => logger.debug({ err: error }, 'media response ended early'))
      .finally(disarm);
  };
}
