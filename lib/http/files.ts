import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { acceptedEncoding } from './compression';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** A web app's build may write `.br` and `.gz` beside a file (web/vite.config.ts); brotli is preferred on a tie. */
const PRECOMPRESSED = [
  { encoding: 'br', suffix: '.br' },
  { encoding: 'gzip', suffix: '.gz' },
];

export interface SendFileOptions {
  cacheControl: string;
  status?: number;
  /** Extra headers (a page's Content-Security-Policy). */
  headers?: Record<string, string>;
}

/**
 * Sends a built file, or answers false when there is none: compressed when the build left a
 * compressed copy the browser accepts (with `Vary: Accept-Encoding`, so caches keep one per encoding).
 */
export async function sendFile(req: IncomingMessage, res: ServerResponse, file: string, { cacheControl, status = 200, headers = {} }: SendFileOptions): Promise<boolean> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return false;
  const variants = await Promise.all(
    PRECOMPRESSED.map(async (variant) => {
      const compressed = await stat(file + variant.suffix).catch(() => null);
      return compressed?.isFile() ? { ...variant, size: compressed.size } : null;
    }),
  );
  const available = variants.filter((variant) => variant !== null);
  const encoding = acceptedEncoding(req, available.map((variant) => variant.encoding));
  const chosen = available.find((variant) => variant.encoding === encoding);
  res.writeHead(status, {
    'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'content-length': chosen?.size ?? info.size,
    'cache-control': cacheControl,
    'x-content-type-options': 'nosniff',
    ...(available.length && { vary: 'Accept-Encoding' }),
    ...(chosen && { 'content-encoding': chosen.encoding }),
    ...headers,
  });
  if (req.method === 'HEAD') res.end();
  else await pipeline(createReadStream(chosen ? file + chosen.suffix : file), res).catch(() => res.destroy());
  return true;
}

/** The file `pathname` (URL-encoded) names under `root`, or null when it cannot be decoded or lies outside. */
export function fileUnder(root: string, pathname: string): { file: string; decoded: string } | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
  return file === root || file.startsWith(root + path.sep) ? { file, decoded } : null;
}
