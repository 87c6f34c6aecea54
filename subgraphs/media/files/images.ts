import sharp, { type Metadata, type OutputInfo } from 'sharp';
import type { RenditionSize } from '../generated/prisma/client';

/** The long side of each rendition, in pixels; ORIGINAL keeps the image's own size. Largest first. */
export const RENDITION_SIZES: [RenditionSize, number | null][] = [
  ['ORIGINAL', null],
  ['LARGE', 1280],
  ['SMALL', 480],
  ['THUMB', 160],
];
/** WebP cannot be larger than this on a side; bigger renditions are JPEG/PNG only. */
const WEBP_MAX_SIDE = 16_383;
/** JPEG cannot be larger than this on a side; images must fit it. */
export const MAX_SIDE = 65_535;

/** A file refused for what it is, or a moment when it cannot be taken; `status` is the upload's HTTP answer. */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 408 | 413 | 415 | 503,
    readonly code: string,
    message: string,
    /** Hang up after answering rather than read the rest of the request. */
    readonly close = false,
  ) {
    super(message);
  }
}

export interface RenderedFile {
  size: RenditionSize;
  format: 'webp' | 'jpeg' | 'png';
  mimeType: string;
  width: number;
  height: number;
  data: Buffer;
}

export interface RenderedImage {
  /** After orientation is applied. */
  width: number;
  height: number;
}

/**
 * Decodes an uploaded image once and makes its renditions one after the other, each handed to
 * `keep` (which stores it) before the next is made, so memory holds the decoded pixels and one
 * file at a time. Each size comes in WebP and in JPEG (PNG when the image has transparency),
 * EXIF orientation applied, all metadata (EXIF, GPS, XMP, ICC) left out. The header is checked
 * against `maxPixels` before anything is decoded, and the whole image must decode without error
 * (a truncated file is refused, not half-rendered).
 */
export async function renderImage(input: string | Buffer, maxPixels: number, keep: (file: RenderedFile) => Promise<void>): Promise<RenderedImage> {
  let header: Metadata;
  try {
    header = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw new Refusal(400, 'BAD_USER_INPUT', 'The file cannot be read as an image');
  }
  const width = header.autoOrient?.width ?? header.width;
  const height = header.autoOrient?.height ?? header.pageHeight ?? header.height;
  if (!width || !height) throw new Refusal(400, 'BAD_USER_INPUT', 'The image does not say how large it is');
  if (width * height > maxPixels) {
    throw new Refusal(400, 'BAD_USER_INPUT', `The image is ${width} × ${height} pixels; at most ${maxPixels} pixels are accepted`);
  }
  if (Math.max(width, height) > MAX_SIDE) throw new Refusal(400, 'BAD_USER_INPUT', `The image is ${width} × ${height} pixels; at most ${MAX_SIDE} on a side`);

  // One decode, checked whole (failOn 'warning': a truncated or corrupt file fails here).
  let pixels: { data: Buffer; info: OutputInfo };
  try {
    pixels = await sharp(input, { limitInputPixels: maxPixels, failOn: 'warning' }).rotate().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch {
    throw new Refusal(400, 'BAD_USER_INPUT', 'The image is damaged or incomplete and cannot be decoded');
  }
  const raw = { width: pixels.info.width, height: pixels.info.height, channels: pixels.info.channels };
  const fallback = pixels.info.channels === 4 ? ('png' as const) : ('jpeg' as const);
  for (const [size, longSide] of RENDITION_SIZES) {
    const scale = longSide ? Math.min(1, longSide / Math.max(raw.width, raw.height)) : 1;
    const side = Math.max(Math.round(raw.width * scale), Math.round(raw.height * scale));
    for (const format of side > WEBP_MAX_SIDE ? [fallback] : (['webp', fallback] as const)) {
      let pipeline = sharp(pixels.data, { raw, limitInputPixels: maxPixels });
      if (longSide) pipeline = pipeline.resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true });
      pipeline =
        format === 'webp' ? pipeline.webp({ quality: 80, effort: side > 2048 ? 1 : 4 }) : format === 'png' ? pipeline.png({ compressionLevel: 8 }) : pipeline.jpeg({ quality: 82, progressive: true });
      const { data, info } = await pipeline.toBuffer({ resolveWithObject: true });
      await keep({ size, format, mimeType: `image/${format}`, width: info.width, height: info.height, data });
    }
  }
  return { width: raw.width, height: raw.height };
}
