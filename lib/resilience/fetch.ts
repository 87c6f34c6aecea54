import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { urlToHttpOptions } from 'node:url';
import { SubgraphCallError, type ResilienceSettings } from './breaker';

/** One GraphQL call to a subgraph (built by ./dedup.ts `subgraphRequests`). */
export interface SubgraphRequest {
  headers: Record<string, string>;
  /** The JSON body. */
  body: string;
  /** A single query: it changes nothing, so it may be sent again and shared with identical calls. */
  query: boolean;
}

/** A subgraph's answer, read whole: its status, headers and text. Immutable once read. */
export interface SubgraphAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export type SubgraphFetcher = (url: string, request: SubgraphRequest) => Promise<SubgraphAnswer>;

/** Why a try failed before an answer was read whole. */
class TryFailed extends Error {
  constructor(
    readonly kind: 'timeout' | 'reset' | 'unreachable',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The longest answer read (64 Mi characters): far above any page a subgraph serves, far below
 * V8's string limit (~512 Mi), past which reading the answer would throw outside any promise.
 */
export const MAX_ANSWER_CHARS = 64 * 1024 * 1024;

/** Where a subgraph URL's calls go, and over which module: read once per URL. */
interface Target {
  module: { request: typeof http.request };
  options: http.RequestOptions;
}

/**
 * An https: URL is spoken TLS over an https agent (never plain HTTP to its host, which would carry
 * the assertion in the clear), and an IPv6 host loses its brackets (`urlToHttpOptions`), as
 * node-fetch did; any other scheme is refused where the URL is first used.
 */
function targetOf(url: string, agents: { http: http.Agent; https: https.Agent }): Target {
  const parsed = new URL(url);
  const options = urlToHttpOptions(parsed);
  if (parsed.protocol === 'http:') return { module: http, options: { ...options, agent: agents.http } };
  if (parsed.protocol === 'https:') return { module: https, options: { ...options, agent: agents.https } };
  throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `unsupported URL scheme ${parsed.protocol}`);
}

/**
 * A POST to a subgraph over a keep-alive agent, read whole: the headers must arrive within
 * `timeoutMs`, and then the body within `timeoutMs` more; past either the socket is closed.
 */
function post(target: Target, { headers, body }: SubgraphRequest, timeoutMs: number): Promise<SubgraphAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let req: http.ClientRequest | undefined;
    const fail = (error: TryFailed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req?.destroy();
      reject(error);
    };
    let timer = setTimeout(() => fail(new TryFailed('timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
    const options = { ...target.options, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } };
    // http.request throws at once for a header value it refuses: that is this try's failure, not an answer.
    try {
      req = target.module.request(options, (res) => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(new TryFailed('timeout', `body not complete within ${timeoutMs} ms`)), timeoutMs);
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => {
          // Past a JS string's length limit `+=` would throw in this handler, out of any promise: the BFF would die.
          if (text.length + chunk.length > MAX_ANSWER_CHARS) return fail(new TryFailed('unreachable', `answer longer than ${MAX_ANSWER_CHARS} characters`));
          text += chunk;
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(new TryFailed(error.code === 'ECONNRESET' ? 'reset' : 'unreachable', error.message)));
        res.on('aborted', () => fail(new TryFailed('reset', 'answer cut short')));
      });
    } catch (error) {
      return fail(new TryFailed('unreachable', `request refused: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`));
    }
    req.on('error', (error: NodeJS.ErrnoException) =>
      fail(new TryFailed(error.code === 'ECONNRESET' ? 'reset' : 'unreachable', `${error.message} ${error.code ?? ''}`.trim())),
    );
    req.end(body);
  });
}

/**
 * Calls one subgraph with a timeout (headers within `timeoutMs`, then the body within as much
 * again). Throws SubgraphCallError for no connection, no answer in time and HTTP 5xx; any other
 * answer is returned read whole, for the caller to parse once (a body that is not JSON is then
 * the caller's SubgraphCallError). The breaker (./breaker.ts) wraps the whole call, fetch and
 * parse, so it learns the outcome in one place.
 *
 * node:http over a keep-alive agent, read as a string: profiled under load, the global fetch
 * (undici's web streams, a timer per call that fires long after the call ended) cost the BFF
 * 30–35% more CPU per request than node-fetch, and node-fetch's Request, Headers and stream
 * piping, which the gateway's data source added a second Request to, more than the call itself.
 *
 * A `query` call (it changes nothing) is sent once more when the process answering it died
 * mid-answer (the connection reset, or a load balancer's 502 for its replica): behind a load
 * balancer the second try reaches another replica, so a replica's death costs its in-flight
 * queries nothing. A timeout is not sent again (a slow subgraph asked twice is twice as slow).
 * The breaker sees one call, with the last try's outcome.
 */
export function resilientFetch(settings: ResilienceSettings): SubgraphFetcher {
  const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const targets = new Map<string, Target>();
  const attempt = (url: string, request: SubgraphRequest) => {
    let target = targets.get(url);
    if (!target) targets.set(url, (target = targetOf(url, agents)));
    return post(target, request, settings.timeoutMs).catch((error: TryFailed) => error);
  };
  return async (url, request) => {
    let answer = await attempt(url, request);
    if (request.query && (answer instanceof TryFailed ? answer.kind === 'reset' : answer.status === 502)) answer = await attempt(url, request);
    if (answer instanceof TryFailed) throw new SubgraphCallError(answer.kind === 'timeout' ? 'SUBGRAPH_TIMEOUT' : 'SUBGRAPH_UNAVAILABLE', answer.message);
    if (answer.status >= 500) throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    return answer;
  };
}
