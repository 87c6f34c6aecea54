import http, { type IncomingHttpHeaders } from 'node:http';
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
 * A POST to a subgraph over a keep-alive agent, read whole: the headers must arrive within
 * `timeoutMs`, and then the body within `timeoutMs` more; past either the socket is closed.
 */
function post(agent: http.Agent, url: URL, { headers, body }: SubgraphRequest, timeoutMs: number): Promise<SubgraphAnswer> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (error: TryFailed) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(error);
    };
    let timer = setTimeout(() => fail(new TryFailed('timeout', `no answer within ${timeoutMs} ms`)), timeoutMs);
    const req = http.request(
      { agent, hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(new TryFailed('timeout', `body not complete within ${timeoutMs} ms`)), timeoutMs);
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text });
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(new TryFailed(error.code === 'ECONNRESET' ? 'reset' : 'unreachable', error.message)));
        res.on('aborted', () => fail(new TryFailed('reset', 'answer cut short')));
      },
    );
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
  const agent = new http.Agent({ keepAlive: true });
  const urls = new Map<string, URL>();
  const attempt = (url: string, request: SubgraphRequest) => {
    let parsed = urls.get(url);
    if (!parsed) urls.set(url, (parsed = new URL(url)));
    return post(agent, parsed, request, settings.timeoutMs).catch((error: TryFailed) => error);
  };
  return async (url, request) => {
    let answer = await attempt(url, request);
    if (request.query && (answer instanceof TryFailed ? answer.kind === 'reset' : answer.status === 502)) answer = await attempt(url, request);
    if (answer instanceof TryFailed) throw new SubgraphCallError(answer.kind === 'timeout' ? 'SUBGRAPH_TIMEOUT' : 'SUBGRAPH_UNAVAILABLE', answer.message);
    if (answer.status >= 500) throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `HTTP ${answer.status}: ${answer.text.slice(0, 200)}`);
    return answer;
  };
}
