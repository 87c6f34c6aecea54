import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { unlink } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { envInt } from '../../lib/config';
import { sendJson, HttpError } from '../../lib/http';
import type { Logger } from '../../lib/logger';
import type { MediaKind, MediaPurpose, PrismaClient, RenditionSize } from './generated/prisma/client';
import { Refusal, renderImage } from './images';
import { sniff } from './sniff';
import type { BlobStore } from './storage';

/** Upload limits, from env; each has a default that suits a photo blog. */
export function uploadSettings() {
  return {
    /** Largest image file accepted, in bytes. */
    maxImageBytes: envInt('MEDIA_MAX_IMAGE_BYTES', 20 * 1024 * 1024, { min: 1 }),
    /** Largest video file accepted, in bytes. */
    maxVideoBytes: envInt('MEDIA_MAX_VIDEO_BYTES', 200 * 1024 * 1024, { min: 1, max: 2 ** 31 - 1 }),
    /** Most pixels an image may have (width × height), checked before it is decoded. */
    maxPixels: envInt('MEDIA_MAX_PIXELS', 40_000_000, { min: 1 }),
    /** How long an upload URL stays valid. */
    ttlSeconds: envInt('MEDIA_UPLOAD_TTL_SECONDS', 600, { min: 1 }),
  };
}
export type UploadSettings = ReturnType<typeof uploadSettings>;

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
 * Receives the body into a spool file, refusing it (413) as soon as it is larger than `limit`.
 * Resolves with the first bytes, the size and the SHA-256.
 */
async function receive(req: IncomingMessage, file: string, limit: number) {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    throw new Refusal(413, 'PAYLOAD_TOO_LARGE', `The file is ${declared} bytes; this upload accepts at most ${limit}`);
  }
  const hash = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      if (size > limit) return done(new Refusal(413, 'PAYLOAD_TOO_LARGE', `The file is larger than ${limit} bytes, the most this upload accepts`));
      if (head.length < 64) head = Buffer.concat([head, chunk.subarray(0, 64 - head.length)]);
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(req, meter, createWriteStream(file, { flags: 'wx' }));
  return { head, size, sha256: hash.digest('hex') };
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

/**
 * `PUT /uploads/<token>`: the bytes of an upload opened with createUpload. The type comes from
 * the file's magic bytes; an image is decoded and rendered, a video stored as it is. Only when all
 * files are stored is the media record written, READY; any refusal leaves no record and no file.
 */
export function uploadRoute(db: PrismaClient, store: BlobStore, settings: UploadSettings, logger: Logger) {
  return async function upload(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    if (req.method !== 'PUT') throw new HttpError(405, 'METHOD_NOT_ALLOWED', 'Send the file with PUT');
    const ticket = await claim(db, token);
    const spool = path.join(store.spoolDir, randomUUID());
    const mediaId = randomUUID();
    const stored: StoredRendition[] = [];
    try {
      const limit = Math.min(ticket.bytes, ticket.kind === 'IMAGE' ? settings.maxImageBytes : settings.maxVideoBytes);
      const received = await receive(req, spool, limit);
      if (received.size === 0) throw new Refusal(400, 'BAD_USER_INPUT', 'The file is empty');
      const type = sniff(received.head);
      if (!type) throw new Refusal(415, 'UNSUPPORTED_MEDIA_TYPE', 'The file is not a JPEG, PNG, GIF, WebP, AVIF, MP4, WebM or QuickTime file');
      if (type.kind !== ticket.kind) throw new Refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `The upload is for ${ticket.kind.toLowerCase()}, but the file is ${type.mimeType}`);

      let width: number | null = null;
      let height: number | null = null;
      if (type.kind === 'IMAGE') {
        const image = await renderImage(spool, settings.maxPixels);
        ({ width, height } = image);
        for (const file of image.files) {
          const key = blobKey(mediaId, file.size, file.format);
          await store.put(key, file.data, file.mimeType);
          stored.push({
            size: file.size,
            format: file.format,
            mimeType: file.mimeType,
            width: file.width,
            height: file.height,
            bytes: BigInt(file.data.length),
            sha256: createHash('sha256').update(file.data).digest('hex'),
            key,
          });
        }
      } else {
        const key = blobKey(mediaId, 'ORIGINAL', type.format);
        await store.putFile(key, spool, type.mimeType);
        stored.push({ size: 'ORIGINAL', format: type.format, mimeType: type.mimeType, width: null, height: null, bytes: BigInt(received.size), sha256: received.sha256, key });
      }

      const media = await db.$transaction(async (tx) => {
        // A post deleted since the URL was handed out takes no new media.
        if (ticket.postId && (await tx.deletedPost.findUnique({ where: { postId: ticket.postId } }))) {
          throw new HttpError(404, 'NOT_FOUND', 'The post this upload was for has been deleted');
        }
        const last = ticket.postId ? await tx.media.aggregate({ where: { postId: ticket.postId }, _max: { position: true } }) : null;
        return tx.media.create({
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
      });
      logger.info({ mediaId, kind: media.kind, bytes: media.bytes, files: stored.length }, 'upload stored');
      res.setHeader('location', `/media/${media.id}/original`);
      sendJson(res, 201, {
        media: { id: media.id, status: 'READY', kind: media.kind, mimeType: media.mimeType, width: media.width, height: media.height, bytes: media.bytes },
      });
    } catch (error) {
      await store.delete(stored.map((s) => s.key)).catch((cleanup) => logger.error({ err: cleanup, mediaId }, 'could not remove the files of a refused upload'));
      if (error instanceof Refusal) {
        // The rest of the body is not wanted: close the connection rather than read it.
        res.setHeader('connection', 'close');
        throw new HttpError(error.status, error.code, error.message);
      }
      throw error;
    } finally {
      await unlink(spool).catch(() => undefined);
    }
  };
}

/** Deletes media records and then their files (a file left by a crash in between is unreachable). */
export async function deleteMediaFiles(db: PrismaClient, store: BlobStore, where: { id: string } | { postId: string }, logger: Logger): Promise<number> {
  const doomed = await db.media.findMany({ where, select: { id: true, renditions: { select: { key: true } } } });
  if (doomed.length === 0) return 0;
  const { count } = await db.media.deleteMany({ where: { id: { in: doomed.map((m) => m.id) } } });
  const keys = doomed.flatMap((m) => m.renditions.map((r) => r.key));
  await store.delete(keys).catch((error) => logger.error({ err: error, keys: keys.length }, 'could not delete media files'));
  return count;
}

/** Forgets upload URLs that expired more than a day ago. */
export async function purgeUploads(db: PrismaClient): Promise<number> {
  const { count } = await db.upload.deleteMany({ where: { expiresAt: { lt: new Date(Date.now() - 24 * 3600 * 1000) } } });
  return count;
}
