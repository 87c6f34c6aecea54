import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { Logger } from './logger';

/** What every request handler gets: who asked, and a logger that carries the request id. */
export interface RequestInfo {
  requestId: string;
  log: Logger;
  req: IncomingMessage;
}

export interface HttpServiceOptions<TContext extends BaseContext> {
  apollo: ApolloServer<TContext>;
  logger: Logger;
  context: (request: RequestInfo) => Promise<TContext>;
  /** `GET /ready`: dependencies reachable. */
  ready: () => Promise<boolean>;
  /** `GET /metrics`: Prometheus text format. */
  metrics?: () => string;
  /** Largest accepted request body, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request id from `x-request-id` when it is well-formed, otherwise a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** A GraphQL-shaped error for failures before GraphQL execution (bad JSON, oversized body). */
function sendHttpError(res: ServerResponse, error: HttpError) {
  sendJson(res, error.status, { errors: [{ message: error.message, extensions: { code: error.code } }] });
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `Request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (!contentType?.toLowerCase().startsWith('application/json')) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'BAD_REQUEST', 'Request body is not valid JSON');
  }
}

/**
 * The request handler of a GraphQL service: `/graphql` through Apollo Server, `/health`,
 * `/ready` and `/metrics`, a request id on every response, one log line per request.
 */
export function createRequestHandler<TContext extends BaseContext>(options: HttpServiceOptions<TContext>) {
  const { apollo, logger, maxBodyBytes = 1024 * 1024 } = options;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    const log = logger.child({ requestId });
    const url = new URL(req.url ?? '/', 'http://service.invalid');
    res.setHeader('x-request-id', requestId);
    let operationName: string | undefined;

    res.on('finish', () => {
      if (url.pathname !== '/graphql') return; // probes would drown the log
      log.info(
        { method: req.method, path: url.pathname, status: res.statusCode, operationName, ms: Number(process.hrtime.bigint() - started) / 1e6 },
        'request',
      );
    });

    try {
      if (req.method === 'GET' && url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
      if (req.method === 'GET' && url.pathname === '/ready') {
        const ok = await options.ready();
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'unavailable' });
      }
      if (req.method === 'GET' && url.pathname === '/metrics' && options.metrics) {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        return void res.end(options.metrics());
      }
      if (url.pathname !== '/graphql') {
        return sendJson(res, 404, { errors: [{ message: 'Not found: GraphQL is served at /graphql', extensions: { code: 'NOT_FOUND' } }] });
      }

      const body = parseBody(await readBody(req, maxBodyBytes), req.headers['content-type']);
      operationName =
        (body as { operationName?: string } | undefined)?.operationName ?? url.searchParams.get('operationName') ?? undefined;
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
        context: () => options.context({ requestId, log, req }),
      });
      for (const [key, value] of response.headers) res.setHeader(key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') return void res.end(response.body.string);
      for await (const chunk of response.body.asyncIterator) res.write(chunk);
      res.end();
    } catch (error) {
      if (error instanceof HttpError) return sendHttpError(res, error);
      log.error({ err: error }, 'unhandled error in request handler');
      if (!res.headersSent) sendHttpError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
      else res.destroy();
    }
  };
}

/** An HTTP server serving `handler`; create the server first when a plugin needs it (drain). */
export function createHttpServer(): http.Server {
  const server = http.createServer();
  // Keep-alive longer than a typical client's, so clients close idle sockets first.
  server.keepAliveTimeout = 65_000;
  return server;
}

export function serve(server: http.Server, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): void {
  server.on('request', (req, res) => void handler(req, res));
}

/** Listens and resolves with the bound port (useful with port 0). */
export function listen(server: http.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
