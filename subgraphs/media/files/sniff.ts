import type { MediaKind } from '../generated/prisma/client';

/** A file type told by its first bytes. */
export interface Sniffed {
  kind: MediaKind;
  mimeType: string;
  /** The extension stored files of this type get. */
  format: string;
}

const ascii = (bytes: Buffer, offset: number, text: string) => bytes.subarray(offset, offset + text.length).toString('latin1') === text;

/** ISO base media brands (the `ftyp` box) that say AVIF, and those that say MP4 or QuickTime. */
const AVIF_BRANDS = new Set(['avif', 'avis']);
const QUICKTIME_BRANDS = new Set(['qt  ']);

/**
 * The type of a file from its magic bytes, never from its name or what the client declared;
 * null when it is none of the types media accepts. Needs the first 32 bytes.
 */
export function sniff(head: Buffer): Sniffed | null {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return { kind: 'IMAGE', mimeType: 'image/jpeg', format: 'jpeg' };
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { kind: 'IMAGE', mimeType: 'image/png', format: 'png' };
  }
  if (ascii(head, 0, 'GIF87a') || ascii(head, 0, 'GIF89a')) return { kind: 'IMAGE', mimeType: 'image/gif', format: 'gif' };
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'WEBP')) return { kind: 'IMAGE', mimeType: 'image/webp', format: 'webp' };
  if (head.length >= 12 && ascii(head, 4, 'ftyp')) {
    const brand = head.subarray(8, 12).toString('latin1');
    if (AVIF_BRANDS.has(brand)) return { kind: 'IMAGE', mimeType: 'image/avif', format: 'avif' };
    if (QUICKTIME_BRANDS.has(brand)) return { kind: 'VIDEO', mimeType: 'video/quicktime', format: 'mov' };
    // Every other ISO base media brand we take for MP4 (isom, iso2, mp41, mp42, avc1, dash, M4V …),
    // but not HEIF stills, which are images we do not accept.
    if (!/^(heic|heix|hevc|hevx|mif1|msf1)$/.test(brand)) return { kind: 'VIDEO', mimeType: 'video/mp4', format: 'mp4' };
    return null;
  }
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return { kind: 'VIDEO', mimeType: 'video/webm', format: 'webm' };
  return null;
}
