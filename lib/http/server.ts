import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HeaderMap, type ApolloServer, type BaseContext } from '@apollo/server';
import type { HttpTimeouts } from '../config/http';
import type { Logger } from '../telemetry/logger';
import { compressAnswer } from './compression';
import { loggedPath } from './credential-paths';
import { metricsText, recordHttpRequest } from '../telemetry/metrics';

/** What every request handler gets: who asked, and a logger that carries the request id. */
export interface RequestInfo {
  requestId: string;
  log: Logger;
  req: IncomingMessage;
}

export interface HttpServiceOptions<TContext extends BaseContext, TAuth = undefined> {
  apollo: ApolloServer<TContext>;
  logger: Logger;
  /**
   * Runs on `/graphql` before the body is read; its result reaches `context`. Throw an
   * HttpError to refuse the request (e.g. 401) before anything executes.
   */
  authenticate?: (req: IncomingMessage, res: ServerResponse) => Promise<TAuth>;
  context: (request: RequestInfo & { auth: TAuth }) => Promise<TContext>;
  /**
   * Runs first on every request; returns true when it has answered (a CORS preflight, a refused
   * origin). Headers it sets stay on the response otherwise.
   */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /**
   * Sees a GraphQL request before Apollo parses it, and may rewrite it (fill in a persisted
   * query) or refuse it by throwing an HttpError.
   */
  prepare?: (request: { method: string; body: unknown; search: string }) => { body: unknown; search: string };
  /** Extra GET routes by exact path, e.g. `/.well-known/jwks.json`. */
  routes?: Record<string, (req: IncomingMessage, res: ServerResponse) => void | Promise<void>>;
  /** Handlers by path prefix, for any method (file uploads and downloads); `rest` is the path after the prefix. */
  prefixRoutes?: PrefixRoutes;
  /** Last before a 404 (not for /graphql): answers true when it has served the request (a web app's files). */
  fallback?: (req: IncomingMessage, res: ServerResponse, pathname: string) => Promise<boolean>;
  /** `GET /ready`: dependencies reachable. */
  ready: () => Promise<boolean>;
  /** True for a request whose log line is debug rather than info (a background poll, when it succeeded). */
  quiet?: (req: IncomingMessage) => boolean;
  /** Largest accepted request body, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Compress GraphQL answers above COMPRESS_ABOVE_BYTES when the client accepts it (the BFFs, whose clients are far away). */
  compressAnswers?: boolean;
}

export type PrefixRoutes = Record<string, (req: IncomingMessage, res: ServerResponse, rest: string) => Promise<void>>;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A request id from `x-request-id` when it is well-formed, otherwise a new one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

const NAMED_OPERATION = /^\s*(?:#[^\n]*\n\s*)*(?:query|mutation|subscription)\s+([_A-Za-z][_0-9A-Za-z]*)/;

/** The operation's name for the log: `operationName`, else the name of the document's first operation. */
function operationNameOf(body: unknown, params: URLSearchParams): string | undefined {
  const request = (typeof body === 'object' && body !== null ? body : {}) as { operationName?: unknown; query?: unknown };
  const named = request.operationName ?? params.get('operationName');
  if (typeof named === 'string' && named) return named;
  const query = request.query ?? params.get('query');
  return typeof query === 'string' ? NAMED_OPERATION.exec(query)?.[1] : undefined;
}

/** An HTTP-level refusal, answered with `status` and a GraphQL-shaped error carrying `code`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Headers to send with the refusal (e.g. a Set-Cookie that clears a dead session). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  const payload = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

/** A GraphQL-shaped error for failures before GraphQL execution (bad JSON, oversized body). */
/**
 * Sets a response header. Apollo's header map holds one value per name, so several cookies
 * travel as one `set-cookie` value joined by new lines (which no cookie contains); split here.
 */
export function applyHeader(res: ServerResponse, name: string, value: string) {
  // Cookies add up: one set before the operation ran (a renewed session) must not be replaced.
  if (name.toLowerCase() === 'set-cookie') res.appendHeader('set-cookie', value.split('\n'));
  // So do the headers an answer varies on: CORS's Origin, set before, stays.
  else if (name.toLowerCase() === 'vary') res.appendHeader('vary', value);
  else res.setHeader(name, value);
}

function sendHttpError(res: ServerResponse, error: HttpError) {
  for (const [name, value] of Object.entries(error.headers)) applyHeader(res, name, value);
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
  } catch (error) {
    // The parser's own words say where the JSON breaks, as express's body parser answers; they
    // quote at most a few characters of the client's own body.
    throw new HttpError(400, 'BAD_REQUEST', `Invalid JSON in request body: ${(error as Error).message}`);
  }
}

/** Paths every service answers itself, whatever its options. */
const OWN_ROUTES = new Set(['/graphql', '/health', '/ready', '/metrics']);

/**
 * The request handler of a GraphQL service: `/graphql` through Apollo Server, `/health`,
 * `/ready` and `/metrics` (lib/telemetry/metrics.ts), a request id on every response, one log
 * line and one observation of `http_server_request_duration_seconds` per request.
 */
export function createRequestHandler<TContext extends BaseContext, TAuth = undefined>(options: HttpServiceOptions<TContext, TAuth>) {
  const { apollo, logger, maxBodyBytes = 1024 * 1024 } = options;

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(req);
    const log = logger.child({ requestId });
    res.setHeader('x-request-id', requestId);
    let operationName: string | undefined;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://service.invalid');
    } catch {
      return sendHttpError(res, new HttpError(400, 'BAD_REQUEST', 'Malformed request URL'));
    }

    // `/graphql/` is `/graphql`: clients (and Apollo's integration suite) that join a base URL
    // with `/` ask for it, and on bff-web it would otherwise reach the web app's fallback.
    if (url.pathname === '/graphql/') url.pathname = '/graphql';

    const prefix = options.prefixRoutes && Object.keys(options.prefixRoutes).find((p) => url.pathname.startsWith(p));
    // The route as a metric label: one of the service's own, never the path a client chose.
    let routeLabel = prefix ? `${prefix}*` : OWN_ROUTES.has(url.pathname) || options.routes?.[url.pathname] ? url.pathname : 'NOT_FOUND';
    res.on('finish', () => {
      recordHttpRequest(req.method, routeLabel, res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
      if (url.pathname !== '/graphql' && !prefix) return; // probes would drown the log
      const quiet = res.statusCode < 400 && options.quiet?.(req);
      log[quiet ? 'debug' : 'info'](
        {
          method: req.method,
          path: loggedPath(url.pathname),
          status: res.statusCode,
          operationName,
          client: req.headers['apollographql-client-name'] ?? undefined,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    });

    try {
      if (options.intercept && (await options.intercept(req, res))) return;
      if (req.method === 'GET' && url.pathname === '/health') return sendJson(res, 200, { status: 'ok' });
      if (req.method === 'GET' && url.pathname === '/ready') {
        const ok = await options.ready();
        return sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'unavailable' });
      }
      if (req.method === 'GET' && url.pathname === '/metrics') {
        const { contentType, body } = await metricsText();
        res.writeHead(200, { 'content-type': contentType });
        return void res.end(body);
      }
      const route = req.method === 'GET' ? options.routes?.[url.pathname] : undefined;
      if (route) return void (await route(req, res));
      if (prefix) return void (await options.prefixRoutes![prefix](req, res, url.pathname.slice(prefix.length)));
      if (url.pathname !== '/graphql' && options.fallback && (await options.fallback(req, res, url.pathname))) {
        routeLabel = '/*';
        return;
      }
      if (url.pathname !== '/graphql') {
        return sendJson(res, 404, { errors: [{ message: 'Not found: GraphQL is served at /graphql', extensions: { code: 'NOT_FOUND' } }] });
      }

      const auth = (options.authenticate ? await options.authenticate(req, res) : undefined) as TAuth;
      let body = parseBody(await readBody(req, maxBodyBytes), req.headers['content-type']);
      let search = url.search;
      if (options.prepare) ({ body, search } = options.prepare({ method: req.method ?? 'GET', body, search }));
      operationName = operationNameOf(body, url.searchParams);
      const headers = new HeaderMap();
      for (const [key, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
      }
      const response = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
        context: () => options.context({ requestId, log, req, auth }),
      });
      for (const [key, value] of response.headers) applyHeader(res, key, value);
      res.statusCode = response.status ?? 200;
      if (response.body.kind === 'complete') {
        if (!options.compressAnswers) return void res.end(response.body.string);
        res.appendHeader('vary', 'Accept-Encoding');
        const compressed = await compressAnswer(req, response.body.string);
        if (!compressed) return void res.end(response.body.string);
        res.setHeader('content-encoding', compressed.encoding);
        return void res.end(compressed.body);
      }
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

/** Node's defaults are looser; these are lib/config/http.ts's defaults. */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersTimeoutMs: 10_000, requestTimeoutMs: 300_000 };

/**
 * An HTTP server serving `handler`; create the server first when a plugin needs it (drain).
 * Against slowloris: a request's headers must arrive within `headersTimeoutMs` (10 s) and the
 * whole request, body included, within `requestTimeoutMs` (300 s, room for a large upload; media
 * refuses a stalled upload body much sooner); Node answers 408 past either.
 */
export function createHttpServer({ headersTimeoutMs, requestTimeoutMs }: HttpTimeouts = DEFAULT_HTTP_TIMEOUTS): http.Server {
  const server = http.createServer({
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(headersTimeoutMs, requestTimeoutMs),
    // How often Node checks the two deadlines above (its default, 30 s, would let them run late).
    connectionsCheckingInterval: 1_000,
  });
  // Keep-alive longer than a typical client's, so clients close idle sockets first.
  server.keepAliveTimeout = 65_000;
  return server;
}

export function serve(server: http.Server, handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): void {
  // The handler answers its own errors; this is the last line, so no request can crash the process.
  server.on('request', (req, res) =>
    handler(req, res).catch(() => {
      if (!res.headersSent) sendHttpError(res, new HttpError(500, 'INTERNAL_SERVER_ERROR', 'Internal server error'));
      else res.destroy();
    }),
  );
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
