import http from 'node:http';
import nodeFetch, { type RequestInit as NodeFetchInit } from 'node-fetch';
import { SubgraphCallError, type ResilienceSettings } from './breaker';

/** True for node-fetch's timeouts: no response headers, or no whole body, within the timeout. */
export function isTimeout(error: unknown): boolean {
  const type = (error as { type?: string }).type;
  return type === 'request-timeout' || type === 'body-timeout';
}

/**
 * A fetch for one subgraph with a timeout. Throws SubgraphCallError for no connection, no answer
 * in time and HTTP 5xx; the body is left to the caller, which parses it once (and throws
 * SubgraphCallError for a body that is not JSON, or that does not arrive in time). The breaker
 * (./breaker.ts) wraps the whole call, fetch and parse, so it learns the outcome in one place.
 *
 * node-fetch over a keep-alive agent rather than the global fetch: profiled under load, undici's
 * web streams and a timer per call (AbortSignal.timeout, which fires long after the call ended)
 * cost the BFF 30–35% more CPU per request. The timeout is node-fetch's own, not cockatiel's
 * timeout policy: the gateway's data source builds each fetch's init itself, so cockatiel's abort
 * signal could not reach the request, and node-fetch times the headers and the body separately
 * in the same call, with the socket closed when either is late.
 *
 * A call `safe` says may be sent again (a query: it changes nothing) is sent once more when the
 * process answering it died mid-answer (diedMidAnswer): behind a load balancer the second try
 * reaches another replica, so a replica's death costs its in-flight queries nothing. The breaker
 * sees one call, with the last try's outcome.
 */
export function resilientFetch(settings: ResilienceSettings, { safe }: { safe?: (init: NodeFetchInit) => boolean } = {}) {
  const agent = new http.Agent({ keepAlive: true });
  const attempt = (url: string, init: NodeFetchInit) => nodeFetch(url, { ...init, agent, timeout: settings.timeoutMs }).catch((error: Error) => error);
  return async (url: string, init: NodeFetchInit) => {
    let response = await attempt(url, init);
    if (diedMidAnswer(response) && safe?.(init)) {
      if (!(response instanceof Error)) await response.text().catch(() => undefined);
      response = await attempt(url, init);
    }
    if (response instanceof Error) {
      const error = response;
      const timedOut = isTimeout(error);
      const reason = timedOut ? `no answer within ${settings.timeoutMs} ms` : `${(error as Error).message} ${String((error as { cause?: unknown }).cause ?? '')}`;
      throw new SubgraphCallError(timedOut ? 'SUBGRAPH_TIMEOUT' : 'SUBGRAPH_UNAVAILABLE', reason);
    }
    if (response.status >= 500) {
      const text = await response.text().catch(() => '');
      throw new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `HTTP ${response.status}: ${text.slice(0, 200)}`);
    }
    return response;
  };
}

/**
 * The subgraph process died (or closed the connection) before answering: the connection was reset,
 * or a load balancer in front answered 502 for its replica. Another replica can answer the same
 * call; a timeout is not this (a slow subgraph asked twice is twice as slow).
 */
function diedMidAnswer(response: Error | { status: number }): boolean {
  return response instanceof Error ? (response as NodeJS.ErrnoException).code === 'ECONNRESET' : response.status === 502;
}

export type Fetcher = ReturnType<typeof resilientFetch>;
