import sharp, { type Metadata } from 'sharp';
import type { RenditionSize } from './generated/prisma/client';

/** The long side of each rendition, in pixels; ORIGINAL keeps the image's own size. */
export const RENDITION_SIZES: Record<RenditionSize, number | null> = { THUMB: 160, SMALL: 480, LARGE: 1280, ORIGINAL: null };

/** A file refused for what it is; `status` is the upload's HTTP answer. */
export class Refusal extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: string,
    message: string,
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
  files: RenderedFile[];
}

/**
 * Decodes an uploaded image and writes its renditions: each size in WebP and in JPEG (PNG when
 * the image has transparency), EXIF orientation applied, all metadata (EXIF, GPS, XMP, ICC)
 * left out. The header is checked against `maxPixels` before anything is decoded, and the
 * whole image must decode without error (a truncated file is refused, not half-rendered).
 */
export async function renderImage(file: string | Buffer, maxPixels: number): Promise<RenderedImage> {
  let header: Metadata;
  try {
    header = await sharp(file, { limitInputPixels: false }).metadata();
  } catch {
    throw new Refusal(400, 'BAD_USER_INPUT', 'The file cannot be read as an image');
  }
  const width = header.autoOrient?.width ?? header.width;
  const height = header.autoOrient?.height ?? header.pageHeight ?? header.height;
  if (!width || !height) throw new Refusal(400, 'BAD_USER_INPUT', 'The image does not say how large it is');
  if (width * height > maxPixels) {
    throw new Refusal(400, 'BAD_USER_INPUT', `The image is ${width} × ${height} pixels; at most ${maxPixels} pixels are accepted`);
  }

  // failOn 'warning': a truncated or corrupt file stops the decode instead of yielding grey rows.
  const source = sharp(file, { limitInputPixels: maxPixels, failOn: 'warning' }).rotate();
  const fallback = header.hasAlpha ? ('png' as const) : ('jpeg' as const);
  const jobs: Promise<RenderedFile>[] = [];
  for (const [size, longSide] of Object.entries(RENDITION_SIZES) as [RenditionSize, number | null][]) {
    for (const format of ['webp', fallback] as const) {
      let pipeline = source.clone();
      if (longSide) pipeline = pipeline.resize({ width: longSide, height: longSide, fit: 'inside', withoutEnlargement: true });
      pipeline =
        format === 'webp' ? pipeline.webp({ quality: 80 }) : format === 'png' ? pipeline.png({ compressionLevel: 8 }) : pipeline.jpeg({ quality: 82, progressive: true });
      jobs.push(
        pipeline.toBuffer({ resolveWithObject: true }).then(({ data, info }) => ({
          size,
          format,
          mimeType: `image/${format}`,
          width: info.width,
          height: info.height,
          data,
        })),
      );
    }
  }
  const settled = await Promise.allSettled(jobs);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    const reason = String((failed.reason as Error)?.message ?? failed.reason);
    if (/pixel limit/i.test(reason)) throw new Refusal(400, 'BAD_USER_INPUT', `The image is larger than ${maxPixels} pixels`);
    throw new Refusal(400, 'BAD_USER_INPUT', 'The image is damaged or incomplete and cannot be decoded');
  }
  const files = settled.map((s) => (s as PromiseFulfilledResult<RenderedFile>).value);
  const original = files.find((f) => f.size === 'ORIGINAL')!;
  return { width: original.width, height: original.height, files };
}
