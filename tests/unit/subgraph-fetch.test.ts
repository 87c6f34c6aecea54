import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { subgraphRequests } from '../../lib/resilience/dedup';
import { MAX_ANSWER_CHARS, resilientFetch, type SubgraphAnswer } from '../../lib/resilience/fetch';
import { SubgraphCallError } from '../../lib/resilience/breaker';

/**
 * How the BFFs' node:http fetcher reaches a subgraph URL: TLS for https: (never the assertion in
 * the clear), an IPv6 host, a header value node refuses, an answer too long to read.
 */
const servers: http.Server[] = [];
/** Requests each server parsed as HTTP. */
let received = 0;
/** What the next answer's body is. */
let answer = JSON.stringify({ data: { ok: true } });

async function serve(host: string): Promise<number> {
  const server = http.createServer((req, res) => {
    received += 1;
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));
beforeEach(() => {
  received = 0;
  answer = JSON.stringify({ data: { ok: true } });
});

const fetcher = resilientFetch({ timeoutMs: 2_000, failureThreshold: 5, resetMs: 1_000 });
const requests = subgraphRequests();
const call = (headers: Record<string, string> = {}) => requests({ query: '{ posts { id } }' }, { 'content-type': 'application/json', ...headers });
const outcome = (promise: Promise<SubgraphAnswer>) =>
  promise.then(
    (reply) => JSON.parse(reply.text),
    (error) => (error instanceof SubgraphCallError ? error.code : error),
  );

it('speaks TLS to an https: URL, never plain HTTP with the assertion in it', async () => {
  const port = await serve('127.0.0.1');
  // A plain HTTP server on that port: a TLS hello is no request to it, a plain POST would be one.
  expect(await outcome(fetcher(`https://127.0.0.1:${port}/graphql`, call({ 'x-gateway-assertion': 'secret' })))).toBe('SUBGRAPH_UNAVAILABLE');
  expect(received).toBe(0);
});

it('reaches a subgraph at an IPv6 address', async () => {
  const port = await serve('::1');
  expect(await outcome(fetcher(`http://[::1]:${port}/graphql`, call()))).toEqual({ data: { ok: true } });
  expect(received).toBe(1);
});

it('refuses a URL of another scheme', async () => {
  expect(await outcome(fetcher('ftp://127.0.0.1/graphql', call()))).toBe('SUBGRAPH_UNAVAILABLE');
});

it('fails a call whose header value node refuses, and nothing throws later', async () => {
  const port = await serve('127.0.0.1');
  const uncaught = jest.fn();
  process.on('uncaughtException', uncaught);
  try {
    const quick = resilientFetch({ timeoutMs: 50, failureThreshold: 5, resetMs: 1_000 });
    expect(await outcome(quick(`http://127.0.0.1:${port}/graphql`, call({ 'x-request-id': 'a\nb' })))).toBe('SUBGRAPH_UNAVAILABLE');
    // Past the call's timeout: its timer must not reach for a request that was never made.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(uncaught).not.toHaveBeenCalled();
  } finally {
    process.off('uncaughtException', uncaught);
  }
  expect(received).toBe(0);
});

it('refuses an answer longer than it reads', async () => {
  const port = await serve('127.0.0.1');
  answer = 'x'.repeat(MAX_ANSWER_CHARS + 1);
  expect(await outcome(fetcher(`http://127.0.0.1:${port}/graphql`, call()))).toBe('SUBGRAPH_UNAVAILABLE');
});
