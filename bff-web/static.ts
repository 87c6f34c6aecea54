import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { fileUnder, sendFile } from '../lib/http/files';
import { isPage } from '../web/src/routes';

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

const PAGE_HEADERS = { 'content-security-policy': CONTENT_SECURITY_POLICY, 'referrer-policy': 'same-origin' };

/**
 * Serves the built web app: hashed files under /assets cached for a year (their names change
 * with their content), anything else revalidated; text files compressed at build time go
 * compressed to browsers that accept it. The app's pages (web/src/routes.ts) get index.html; any
 * other path gets it too, so the app shows its not-found page, but with status 404.
 * `dir` is the build (`WEB_DIST`, web/dist). Answers false for what it does not serve.
 */
export function staticFiles(dir: string) {
  const root = path.resolve(dir);
  return async function serveApp(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !existsSync(root)) return false;
    const target = fileUnder(root, pathname);
    if (!target) return false;
    const { file, decoded } = target;
    if (decoded.startsWith('/assets/')) return sendFile(req, res, file, { cacheControl: 'public, max-age=31536000, immutable' });
    if (path.extname(decoded) && decoded !== '/index.html') return sendFile(req, res, file, { cacheControl: 'no-cache' });
    // The app's one HTML file, always revalidated so a new build is picked up.
    const status = isPage(decoded) || decoded === '/index.html' ? 200 : 404;
    return sendFile(req, res, path.join(root, 'index.html'), { cacheControl: 'no-cache', status, headers: PAGE_HEADERS });
  };
}
