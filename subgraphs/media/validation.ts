import { badInput, requireId, text } from '../../lib/graphql/errors';
import type { MediaKind } from './generated/prisma/client';
import type { CreateMediaInput, MutationCreateUploadArgs } from './generated/resolvers-types';
import type { UploadIntent, UploadSettings } from './files/uploads';

export const MIME_TYPES: Record<MediaKind, readonly string[]> = {
  IMAGE: ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'image/gif'],
  VIDEO: ['video/mp4', 'video/webm', 'video/quicktime'],
};
/** The largest file a record may describe (the upload limit of the media issue will be lower). */
export const MAX_BYTES = 500 * 1024 * 1024;
export const MAX_DIMENSION = 100_000;

export function alt(field: string, value: string): string {
  return text(field, value, { max: 500 });
}

export function position(field: string, value: number): number {
  if (value < 0 || value > 10_000) throw badInput(field, 'must be between 0 and 10000');
  return value;
}

function dimension(field: string, value: number | null | undefined, required: boolean): number | null {
  if (value == null) {
    if (required) throw badInput(field, 'is required for an image');
    return null;
  }
  if (value < 1 || value > MAX_DIMENSION) throw badInput(field, `must be between 1 and ${MAX_DIMENSION}`);
  return value;
}

/** Checks a new record's metadata as a whole; returns the data to store, owned by `ownerId`. */
export function newMedia(input: CreateMediaInput, ownerId: string) {
  let postId: string | null = null;
  if (input.purpose === 'POST') {
    if (input.postId == null) throw badInput('input.postId', 'is required when purpose is POST');
    postId = requireId('input.postId', input.postId);
  } else {
    if (input.postId != null) throw badInput('input.postId', 'must be absent when purpose is AVATAR');
    if (input.kind !== 'IMAGE') throw badInput('input.kind', 'must be IMAGE for an avatar');
  }
  const mimeType = input.mimeType.trim().toLowerCase();
  if (!MIME_TYPES[input.kind].includes(mimeType)) {
    throw badInput('input.mimeType', `must be one of ${MIME_TYPES[input.kind].join(', ')} for ${input.kind}`);
  }
  if (input.bytes < 1 || input.bytes > MAX_BYTES) throw badInput('input.bytes', `must be between 1 and ${MAX_BYTES}`);
  return {
    ownerId,
    postId,
    purpose: input.purpose,
    kind: input.kind,
    mimeType,
    width: dimension('input.width', input.width, input.kind === 'IMAGE'),
    height: dimension('input.height', input.height, input.kind === 'IMAGE'),
    bytes: input.bytes,
    alt: input.alt != null ? alt('input.alt', input.alt) : null,
    position: position('input.position', input.position ?? 0),
  };
}

/** Checks createUpload's arguments: what may be uploaded, before any byte is sent. */
export function uploadIntent(args: MutationCreateUploadArgs, ownerId: string, settings: UploadSettings): UploadIntent {
  const postId = args.postId != null ? requireId('postId', args.postId) : null;
  if (!postId && args.kind !== 'IMAGE') throw badInput('kind', 'must be IMAGE for an avatar');
  const mimeType = args.mimeType.trim().toLowerCase();
  if (!MIME_TYPES[args.kind].includes(mimeType)) throw badInput('mimeType', `must be one of ${MIME_TYPES[args.kind].join(', ')} for ${args.kind}`);
  const limit = args.kind === 'IMAGE' ? settings.maxImageBytes : settings.maxVideoBytes;
  if (args.bytes < 1 || args.bytes > limit) throw badInput('bytes', `must be between 1 and ${limit} for ${args.kind}`);
  return {
    ownerId,
    postId,
    purpose: postId ? 'POST' : 'AVATAR',
    kind: args.kind,
    mimeType,
    bytes: args.bytes,
    alt: args.alt != null ? alt('alt', args.alt) : null,
  };
}
