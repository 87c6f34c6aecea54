import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open, unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { bulkhead, BulkheadRejectedError, type BulkheadPolicy } from 'cockatiel';
import { GraphQLError } from 'graphql';
import { sendJson, HttpError } from '../../../lib/http/server';
import type { Logger } from '../../../lib/telemetry/logger';
import { recordEvent, recordEvents, type SqlClient } from '../../../lib/events/outbox';
import { watchUploadBody, type TransferDeadlines } from '../../../lib/http/stream-deadlines';
import type { Media, MediaKind, MediaPurpose, Prisma, PrismaClient, RenditionSize } from '../generated/prisma/client';
import { Refusal, renderImage, type RenderedFile } from './images';
import { sniff } from './sniff';
import type { BlobStore } from './storage';

/** Upload limits, from the media config (subgraphs/media/config.ts gives each variable and default). */
export interface UploadSettings {
  /** Largest image file accepted, in bytes. */
  maxImageBytes: number;
  /** Largest video file accepted, in bytes. */
  maxVideoBytes: number;
  /** Most pixels an image may have (width × height), checked before it is decoded. */
  maxPixels: number;
  /** How long an upload URL stays valid. */
  ttlSeconds: number;
  /** Upload URLs one user may hold open (handed out, not yet used or expired). */
  maxOpenUploads: number;
  /** Images rendered at once, and how many more may wait before uploads are refused with 503. */
  processingConcurrency: number;
  processingQueue: number;
  /** Uploads one user may have in progress at once (per media process); the next is refused with 429. */
  maxConcurrentPerUser: number;
  /** Idle and total deadlines of a body (and of downloads). */
  deadlines: TransferDeadlines;
}

/** Where a client sends an upload's bytes: a path on the BFF it talks to, which proxies it to media. */
export const UPLOAD_PATH = '/uploads/';
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

export interface UploadIntent {
  ownerId: string;
  postId: string | null;
  purpose: MediaPurpose;
  kind: MediaKind;
  mimeType: string;
  bytes: number;
  alt: string | null;
}

/** Records an authorised intent to upload and returns its one-time URL (the secret is never stored). */
export async function openUpload(db: PrismaClient, settings: UploadSettings, intent: UploadIntent) {
  const open = await db.upload.count({ where: { ownerId: intent.ownerId, usedAt: null, expiresAt: { gt: new Date() } } });
  if (open >= settings.maxOpenUploads) {
    throw new GraphQLError(`You have ${open} upload URLs open; use them or let them expire first`, { extensions: { code: 'TOO_MANY_UPLOADS' } });
  }
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + settings.ttlSeconds * 1000);
  await db.upload.create({ data: { ...intent, tokenHash: hashOf(token), expiresAt } });
  return { url: `${UPLOAD_PATH}${token}`, method: 'PUT', expiresAt, maxBytes: intent.bytes };
}

/** The storage key of a rendition. */
export const blobKey = (mediaId: string, size: RenditionSize, format: string) => `${mediaId}/${size.toLowerCase()}.${format}`;

/** Claims the upload for this attempt: one attempt per URL, before it expires. */
async function claim(db: PrismaClient, token: string) {
  if (!TOKEN.test(token)) throw new HttpError(404, 'NOT_FOUND', 'No such upload URL');
  const tokenHash = hashOf(token);
  const now = new Date();
  const { count } = await db.upload.updateMany({ where: { tokenHash, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  const upload = await db.upload.findUnique({ where: { tokenHash } });
  if (count === 1 && upload) return upload;
  if (!upload) throw new HttpError(404, 'NOT_FOUND', 'No such upload URL');
  if (upload.usedAt) throw new HttpError(410, 'UPLOAD_USED', 'This upload URL has been used; ask for a new one');
  throw new HttpError(410, 'UPLOAD_EXPIRED', 'This upload URL has expired; ask for a new one');
}

/**
 * Uploads in progress per user, in this process: `enter` takes a slot for the owner of an upload
 * URL before the URL is spent, or refuses with 429 TOO_MANY_UPLOADS (and Retry-After), leaving the
 * URL as it was, so one user's slow uploads cannot take every connection media has.
 */
export class UploadSlots {
  private readonly active = new Map<string, number>();
  constructor(private readonly perUser: number) {}

  enter(ownerId: string): () => void {
    const held = this.active.get(ownerId) ?? 0;
    if (held >= this.perUser) {
      throw new HttpError(429, 'TOO_MANY_UPLOADS', `You have ${held} uploads in progress; wait for one to finish`, { 'retry-after': '5' });
    }
    this.active.set(ownerId, held + 1);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      const now = (this.active.get(ownerId) ?? 1) - 1;
      if (now > 0) this.active.set(ownerId, now);
      else this.active.delete(ownerId);
    };
  }
}

/** The owner of a live (unused, unexpired) upload URL, without spending it; null otherwise. */
async function ownerOf(db: PrismaClient, token: string): Promise<string | null> {
  if (!TOKEN.test(token)) return null;
  const upload = await db.upload.findUnique({ where: { tokenHash: hashOf(token) }, select: { ownerId: true, usedAt: true, expiresAt: true } });
  return upload && !upload.usedAt && upload.expiresAt > new Date() ? upload.ownerId : null;
}

/**
 * Gives back an attempt refused for the server's own reason (503 MEDIA_BUSY): the URL is usable
 * again, as if this attempt had not happened, unless it has expired meanwhile.
 */
async function release(db: PrismaClient, ticket: { id: string; usedAt: Date | null }) {
  await db.upload.updateMany({ where: { id: ticket.id, usedAt: ticket.usedAt }, data: { usedAt: null } });
}

/** Bytes of an oversized body read and discarded after a 413, so the client hears the answer. */
const DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * Receives the body into a spool file (flushed to disk), refusing it with 413 when it is larger
 * than `limit`: at once when Content-Length says so, else once the limit is passed, after reading
 * and discarding up to DRAIN_BYTES more so the client reads the 413 rather than a reset.
 * Resolves with the first bytes, the size and the SHA-256.
 */
async function receive(req: IncomingMessage, file: string, limit: number, deadlines: TransferDeadlines) {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    // Node reads and discards an unread body after the answer; past DRAIN_BYTES, hang up instead.
    throw new Refusal(413, 'PAYLOAD_TOO_LARGE', `The file is ${declared} bytes; this upload accepts at most ${limit}`, Number(declared) > limit + DRAIN_BYTES);
  }
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit + DRAIN_BYTES) return done(new Refusal(413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${limit} bytes`));
      if (size > limit) return done(); // over the limit: read on, keep nothing
      if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)]);
      hash.update(chunk);
      done(null, chunk);
    },
  });
  // A body that stalls, or takes too long, is refused with 408 while the client still listens:
  // the request is left unread (not destroyed) so the answer reaches it, then the connection closes.
  let late: Refusal | undefined;
  const interrupted = () => meter.destroy(new Refusal(400, 'BAD_REQUEST', 'The upload was interrupted before the whole file arrived'));
  req.once('aborted', interrupted);
  req.once('error', interrupted);
  req.pipe(meter);
  const disarm = watchUploadBody(req, deadlines.uploadIdleMs, deadlines.uploadBodyMs, (reason) => {
    late = new Refusal(408, 'REQUEST_TIMEOUT', reason === 'idle' ? `No bytes of the file arrived for ${deadlines.uploadIdleMs} ms` : `The file did not arrive within ${deadlines.uploadBodyMs} ms`, true);
    req.unpipe(meter);
    req.pause();
    meter.destroy(late);
  });
  try {
    await pipeline(meter, createWriteStream(file, { flags: 'wx' }));
  } catch (error) {
    if (late) throw late;
    const gone = req.destroyed;
    req.unpipe(meter);
    req.destroy(); // as before: a refused or broken body is not read further
    if (error instanceof Refusal) throw error;
    if (gone || (error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
      throw new Refusal(400, 'BAD_REQUEST', 'The upload was interrupted before the whole file arrived');
    }
    throw error;
  } finally {
    disarm();
    req.off('aborted', interrupted);
    req.off('error', interrupted);
  }
  if (size > limit) throw new Refusal(413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${limit} bytes, the most this upload accepts`);
  const handle = await open(file, 'r+');
  try {
    await handle.sync(); // a stored video must survive a crash once its record is committed
  } finally {
    await handle.close();
  }
  return { head, size, sha256: hash.digest('hex') };
}

/**
 * At most `limit` image renderings at once (decoding is CPU- and memory-heavy), with up to
 * `queue` more waiting; beyond that an upload is refused with 503 MEDIA_BUSY, before its URL is
 * spent when `full` says so at the door. cockatiel's bulkhead keeps the count.
 */
export class ProcessingGate {
  private readonly bulkhead: BulkheadPolicy;

  constructor(limit: number, queue: number) {
    this.bulkhead = bulkhead(limit, queue);
  }

  get full(): boolean {
    return this.bulkhead.executionSlots === 0 && this.bulkhead.queueSlots === 0;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await this.bulkhead.execute(work);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) throw new Refusal(503, 'MEDIA_BUSY', 'Media is processing too many uploads; try again shortly');
      throw error;
    }
  }
}

/** Stores a rendered file under its media record's key; returns the rendition row that records it. */
export async function storeRendition(store: BlobStore, mediaId: string, file: RenderedFile): Promise<StoredRendition> {
  const key = blobKey(mediaId, file.size, file.format);
  await store.put(key, file.data, file.mimeType);
  return {
    size: file.size,
    format: file.format,
    mimeType: file.mimeType,
    width: file.width,
    height: file.height,
    bytes: BigInt(file.data.length),
    sha256: createHash('sha256').update(file.data).digest('hex'),
    key,
  };
}

interface StoredRendition {
  size: RenditionSize;
  format: string;
  mimeType: string;
  width: number | null;
  height: number | null;
  bytes: bigint;
  sha256: string;
  key: string;
}

/** Serialises an upload's commit and a post's purge, so no media is added to a post being deleted. */
const lockPost = (tx: Prisma.TransactionClient, postId: string) => tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${postId}))`;

/**
 * `PUT /uploads/<token>`: the bytes of an upload opened with createUpload. The type comes from
 * the file's magic bytes; an image is decoded and rendered, a video stored as it is. Only when all
 * files are stored is the media record written, READY; any refusal leaves no record and no file.
 */
export function uploadRoute(db: PrismaClient, store: BlobStore, settings: UploadSettings, logger: Logger) {
  const gate = new ProcessingGate(settings.processingConcurrency, settings.processingQueue);
  const slots = new UploadSlots(settings.maxConcurrentPerUser);
  return async function upload(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    if (req.method !== 'PUT') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Send the file with PUT', { allow: 'PUT' });
    if (gate.full) {
      res.setHeader('retry-after', '5');
      throw new HttpError(503, 'MEDIA_BUSY', 'Media is processing too many uploads; try again shortly');
    }
    // The owner's slot is taken before the URL is spent: a refused upload leaves its URL usable.
    const owner = await ownerOf(db, token);
    const leave = owner ? slots.enter(owner) : () => undefined;
    try {
      await receiveUpload(req, res, token);
    } finally {
      leave();
    }
  };

  async function receiveUpload(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    const ticket = await claim(db, token);
    const spool = path.join(store.spoolDir, randomUUID());
    const mediaId = randomUUID();
    const stored: StoredRendition[] = [];
    try {
      const limit = Math.min(ticket.bytes, ticket.kind === 'IMAGE' ? settings.maxImageBytes : settings.maxVideoBytes);
      const received = await receive(req, spool, limit, settings.deadlines);
      if (received.size === 0) throw new Refusal(400, 'BAD_USER_INPUT', 'The file is empty');
      const type = sniff(received.head);
      if (!type) throw new Refusal(415, 'UNSUPPORTED_MEDIA_TYPE', 'The file is not a JPEG, PNG, GIF, WebP, AVIF, MP4, WebM or QuickTime file');
      if (type.kind !== ticket.kind) throw new Refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `The upload is for ${ticket.kind.toLowerCase()}, but the file is ${type.mimeType}`);

      let width: number | null = null;
      let height: number | null = null;
      if (type.kind === 'IMAGE') {
        const image = await gate.run(() =>
          renderImage(spool, settings.maxPixels, async (file) => void stored.push(await storeRendition(store, mediaId, file))),
        );
        ({ width, height } = image);
      } else {
        const key = blobKey(mediaId, 'ORIGINAL', type.format);
        await store.putFile(key, spool, type.mimeType);
        stored.push({ size: 'ORIGINAL', format: type.format, mimeType: type.mimeType, width: null, height: null, bytes: BigInt(received.size), sha256: received.sha256, key });
      }
      // Nobody is waiting for the answer any more (the BFF gave up): keep nothing.
      if (req.socket.destroyed) throw new Refusal(400, 'BAD_REQUEST', 'The client went away before the upload was processed');

      const { media, replaced } = await db.$transaction(async (tx) => {
        if (ticket.postId) {
          await lockPost(tx, ticket.postId);
          // A post deleted since the URL was handed out takes no new media.
          if (await tx.deletedPost.findUnique({ where: { postId: ticket.postId } })) {
            throw new HttpError(404, 'NOT_FOUND', 'The post this upload was for has been deleted');
          }
        }
        const last = ticket.postId ? await tx.media.aggregate({ where: { postId: ticket.postId }, _max: { position: true } }) : null;
        const created = await tx.media.create({
          data: {
            id: mediaId,
            ownerId: ticket.ownerId,
            postId: ticket.postId,
            purpose: ticket.purpose,
            kind: type.kind,
            mimeType: type.mimeType,
            width,
            height,
            bytes: received.size,
            alt: ticket.alt,
            position: last?._max.position != null ? last._max.position + 1 : 0,
            renditions: { create: stored.map(({ size, format, mimeType, width: w, height: h, bytes, sha256, key }) => ({ size, format, mimeType, width: w, height: h, bytes, sha256, key })) },
          },
        });
        await mediaReady(tx, created);
        // A new avatar replaces the old ones: they are public for good while they exist, and
        // listed under their owner, so keeping them would leave a picture the user took down.
        const replaced =
          ticket.purpose === 'AVATAR' ? await deleteRecords(tx, { ownerId: ticket.ownerId, purpose: 'AVATAR', id: { not: mediaId } }) : { count: 0, keys: [] };
        return { media: created, replaced };
      });
      if (replaced.count > 0) {
        await store.delete(replaced.keys).catch((error) => logger.error({ err: error, keys: replaced.keys.length }, 'could not delete the files of a replaced avatar'));
      }
      logger.info({ mediaId, kind: media.kind, bytes: media.bytes, files: stored.length, replaced: replaced.count }, 'upload stored');
      res.setHeader('location', `/media/${media.id}/original`);
      sendJson(res, 201, {
        media: { id: media.id, status: 'READY', kind: media.kind, mimeType: media.mimeType, width: media.width, height: media.height, bytes: media.bytes },
      });
    } catch (error) {
      await store.delete(stored.map((s) => s.key)).catch((cleanup) => logger.error({ err: cleanup, mediaId }, 'could not remove the files of a refused upload'));
      if (error instanceof Refusal) {
        if (error.status === 503) {
          // Busy is not the client's fault: the URL stays theirs for a retry (after Retry-After).
          await release(db, ticket).catch((failure) => logger.warn({ err: failure }, 'could not give back a refused upload URL'));
          res.setHeader('retry-after', '5');
        }
        if (error.status === 408) logger.info({ code: error.code }, 'refused an upload whose body stalled');
        if (error.close) res.setHeader('connection', 'close');
        throw new HttpError(error.status, error.code, error.message);
      }
      throw error;
    } finally {
      await unlink(spool).catch(() => undefined);
    }
  }
}

/** Reports a new media record (MediaReady) in the transaction that creates it. */
export function mediaReady(tx: Prisma.TransactionClient, media: Pick<Media, 'id' | 'ownerId' | 'postId' | 'purpose' | 'kind'>): Promise<void> {
  return recordEvent(tx as SqlClient, 'media', 'MediaReady', media.id, {
    mediaId: media.id,
    ownerId: media.ownerId,
    postId: media.postId,
    purpose: media.purpose,
    kind: media.kind,
  });
}

/**
 * Inside `tx`: removes the media of a deleted post, or of a deleted user (their avatars and
 * whatever they attached to posts), and marks the post or user deleted so that no upload adds to
 * it (an upload for a post takes the post's lock, see lockPost). Returns the deletion of the
 * files, to run once `tx` has committed (a file left by a crash in between is unreachable).
 */
export async function purgeMediaOf(
  tx: Prisma.TransactionClient,
  store: BlobStore,
  of: { postId: string } | { ownerId: string },
  logger: Logger,
): Promise<() => Promise<void>> {
  if ('postId' in of) {
    await lockPost(tx, of.postId);
    await tx.deletedPost.upsert({ where: { postId: of.postId }, create: { postId: of.postId }, update: {} });
  }
  const { count, keys } = await deleteRecords(tx, of);
  return async () => {
    await store.delete(keys).catch((error) => logger.error({ err: error, ...of }, 'could not delete the files of deleted media'));
    if (count) logger.info({ ...of, count }, 'deleted the media of a deleted ' + ('postId' in of ? 'post' : 'user'));
  };
}

/** Deletes media records and then their files (a file left by a crash in between is unreachable). */
export async function deleteMediaFiles(db: PrismaClient, store: BlobStore, where: { id: string }, logger: Logger): Promise<number> {
  const { count, keys } = await db.$transaction((tx) => deleteRecords(tx, where));
  await store.delete(keys).catch((error) => logger.error({ err: error, keys: keys.length }, 'could not delete media files'));
  return count;
}

/** Deletes the media records `where` selects, each with its MediaDeleted event; returns how many, and the keys of their files (still stored). */
async function deleteRecords(db: Prisma.TransactionClient, where: Prisma.MediaWhereInput) {
  const doomed = await db.media.findMany({ where, select: { id: true, ownerId: true, postId: true, renditions: { select: { key: true } } } });
  if (doomed.length === 0) return { count: 0, keys: [] };
  const { count } = await db.media.deleteMany({ where: { id: { in: doomed.map((m) => m.id) } } });
  await recordEvents(db as SqlClient, 'media', 'MediaDeleted', doomed.map((media) => ({ aggregateId: media.id, payload: { mediaId: media.id, ownerId: media.ownerId, postId: media.postId } })));
  return { count, keys: doomed.flatMap((m) => m.renditions.map((r) => r.key)) };
}

/** Forgets upload URLs that expired more than a day ago. */
export async function purgeUploads(db: PrismaClient): Promise<number> {
  const { count } = await db.upload.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 24 * 3600 * 1000) } } });
  return count;
}
