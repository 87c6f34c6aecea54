import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { envInt } from './config';
import { sendJson, type PrefixRoutes } from './http';
import { ASSERTION_HEADER, type Viewer } from './identity';
import type { Logger } from './logger';
import { resilienceSettings } from './resilience';

/** The paths a BFF passes through to the media subgraph, so a client talks to one host. */
export const MEDIA_PROXY_PATHS = ['/media/', '/uploads/'] as const;

/** What a client may tell media, per kind of request; framing headers of a body only with the body. */
const DOWNLOAD_HEADERS = ['accept', 'range', 'if-range', 'if-none-match'];
const UPLOAD_HEADERS = ['content-type', 'content-length'];
const RESPONSE_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'cache-control',
  'vary',
  'location',
  'x-content-type-options',
  // A 503 MEDIA_BUSY says when to retry the upload.
  'retry-after',
];

/**
 * A BFF's pass-through to media's file endpoints: `GET|HEAD /media/<id>/<size>` and
 * `PUT /uploads/<token>`, streamed both ways (never buffered), over keep-alive connections, with
 * the BFF's gateway assertion (media answers only its gateways). The upload URL's secret is the
 * credential for a PUT, as with a presigned URL. Downloads and uploads have their own connection
 * pools, so slow uploads never hold up downloads. A download gets its answer's headers within
 * media's subgraph timeout (queueing for a connection included); an upload may stay silent for
 * `MEDIA_UPLOAD_TIMEOUT_MS` (default 120000), since media decodes and renders it before answering.
 * When media cannot answer: 503/504 with SUBGRAPH_UNAVAILABLE/SUBGRAPH_TIMEOUT, and no internal address.
 */
export function mediaProxy(mediaGraphqlUrl: string, sign: (viewer: Viewer | null) => Promise<string>, logger: Logger): PrefixRoutes {
  const origin = new URL(mediaGraphqlUrl).origin;
  const downloads = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const uploads = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const downloadTimeout = resilienceSettings('media').timeoutMs;
  const uploadTimeout = envInt('MEDIA_UPLOAD_TIMEOUT_MS', 120_000, { min: 100 });

  const forward = (prefix: string) =>
    async function proxy(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
      const upload = req.method === 'PUT';
      const headers: Record<string, string> = { [ASSERTION_HEADER]: await sign(null) };
      const requestId = res.getHeader('x-request-id');
      if (typeof requestId === 'string') headers['x-request-id'] = requestId;
      for (const name of upload ? UPLOAD_HEADERS : DOWNLOAD_HEADERS) {
        const value = req.headers[name];
        if (typeof value === 'string') headers[name] = value;
      }
      await new Promise<void>((resolve) => {
        const upstream = http.request(`${origin}${prefix}${rest}`, {
          method: req.method,
          headers,
          agent: upload ? uploads : downloads,
          ...(upload && { timeout: uploadTimeout }),
        });
        // A download's deadline runs from now, waiting for a pooled connection included.
        const deadline = upload ? undefined : setTimeout(() => upstream.emit('timeout'), downloadTimeout);
        const fail = (status: number, code: string, message: string) => {
          if (!res.headersSent) sendJson(res, status, { errors: [{ message, extensions: { code, serviceName: 'media' } }] });
          else res.destroy();
          resolve();
        };
        upstream.on('timeout', () => upstream.destroy(Object.assign(new Error('media did not answer in time'), { code: 'TIMEOUT' })));
        upstream.on('error', (error: NodeJS.ErrnoException) => {
          if (res.headersSent) return; // the answer is on its way; a reset after it does not matter
          logger.warn({ err: error, path: prefix }, 'media file request failed');
          if (error.code === 'TIMEOUT') fail(504, 'SUBGRAPH_TIMEOUT', 'The media service did not answer in time');
          else fail(503, 'SUBGRAPH_UNAVAILABLE', 'The media service is unavailable; try again shortly');
        });
        upstream.on('close', () => clearTimeout(deadline));
        upstream.on('response', (answer) => {
          clearTimeout(deadline);
          const out: Record<string, string> = {};
          for (const name of RESPONSE_HEADERS) {
            const value = answer.headers[name];
            if (typeof value === 'string') out[name] = value;
          }
          // Answered before the whole body arrived (a refusal): close rather than read the rest.
          if (upload && !req.complete) out.connection = 'close';
          res.writeHead(answer.statusCode ?? 502, out);
          pipeline(answer, res).then(resolve, () => {
            res.destroy();
            resolve();
          });
        });
        if (upload) {
          req.pipe(upstream);
          req.on('aborted', () => upstream.destroy());
        } else {
          upstream.end();
        }
      });
    };

  return Object.fromEntries(MEDIA_PROXY_PATHS.map((prefix) => [prefix, forward(prefix)]));
}
