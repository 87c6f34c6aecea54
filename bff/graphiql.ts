import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { fileUnder, sendFile } from '../lib/http/files';
import { sendJson, type PrefixRoutes } from '../lib/http/server';

/** GraphiQL's build (`npm run build`, web/graphiql/vite.config.ts). */
const GRAPHIQL_DIST = path.join(__dirname, '..', 'web', 'graphiql', 'dist');

/** The page loads only what this BFF serves; its fonts are inlined as data: URLs. */
const PAGE_HEADERS = {
  'content-security-policy': [
    "default-src 'self'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join('; '),
  'referrer-policy': 'same-origin',
};

/**
 * `/graphiql`: a GraphiQL bundled from npm, for exploring the BFF's schema where Apollo Sandbox
 * (at /graphql) cannot load, offline or behind a firewall, since Sandbox comes from Apollo's CDN.
 * Served whenever Sandbox is (`ENABLE_SANDBOX`, on outside production); it asks /graphql on the
 * same origin, which needs introspection on to show the schema.
 */
export function graphiqlRoutes(enabled: boolean): PrefixRoutes {
  if (!enabled) return {};
  const notFound = (res: ServerResponse) =>
    sendJson(res, 404, { errors: [{ message: 'Not found: GraphiQL is served at /graphiql', extensions: { code: 'NOT_FOUND' } }] });
  return {
    async '/graphiql'(req, res, rest) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res);
      if (rest === '' || rest === '/') {
        if (!(await sendFile(req, res, path.join(GRAPHIQL_DIST, 'index.html'), { cacheControl: 'no-cache', headers: PAGE_HEADERS }))) notFound(res);
        return;
      }
      const target = rest.startsWith('/assets/') ? fileUnder(GRAPHIQL_DIST, rest) : null;
      if (!target || !(await sendFile(req, res, target.file, { cacheControl: 'public, max-age=31536000, immutable' }))) notFound(res);
    },
  };
}
