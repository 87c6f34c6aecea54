import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The app's pages may load only what bff-web serves; nothing may frame them. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self' 'unsafe-inline'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built web app: hashed files under /assets cached for a year (their names change
 * with their content), anything else revalidated, and index.html for every other page path a
 * browser asks for (the app routes on the client). `dir` is the build (`WEB_DIST`, web/dist). Answers false for what it does not serve.
 */
export function staticFiles(dir: string) {
  const root = path.resolve(dir);
  const send = async (req: IncomingMessage, res: ServerResponse, file: string, cacheControl: string) => {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return false;
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
      ...(file.endsWith('.html') && { 'content-security-policy': CONTENT_SECURITY_POLICY, 'referrer-policy': 'same-origin' }),
    });
    if (req.method === 'HEAD') res.end();
    else await pipeline(createReadStream(file), res).catch(() => res.destroy());
    return true;
  };

  return async function serveApp(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !existsSync(root)) return false;
    let decoded: string;
    try {
      decoded = decodeURIComponent(pathname);
    } catch {
      return false;
    }
    const file = path.resolve(root, `.${path.posix.normalize(decoded)}`);
    if (file !== root && !file.startsWith(root + path.sep)) return false; // outside the app
    if (decoded.startsWith('/assets/')) return send(req, res, file, 'public, max-age=31536000, immutable');
    if (path.extname(decoded) && decoded !== '/index.html') return send(req, res, file, 'no-cache');
    // A page of the app: its one HTML file, always revalidated so a new build is picked up.
    return send(req, res, path.join(root, 'index.html'), 'no-cache');
  };
}
