import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { subgraphRequests } from '../../lib/resilience/dedup';
import { resilientFetch, type SubgraphAnswer } from '../../lib/resilience/fetch';
import { SubgraphCallError } from '../../lib/resilience/breaker';

/**
 * A subgraph replica that dies mid-answer (its connection reset, or a balancer's 502): a query is
 * sent once more, to whatever answers next; a mutation never is, since it may have run.
 */
let server: http.Server;
let url: string;
/** What the next requests get: `reset` closes the connection unanswered, a number is that status. */
let script: ('reset' | number)[] = [];
let received = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received += 1;
      const next = script.shift() ?? 200;
      if (next === 'reset') return req.socket.destroy();
      res.writeHead(next, { 'content-type': 'application/json' }).end(JSON.stringify(next === 200 ? { data: { ok: true } } : { errors: [{ message: 'down' }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  script = [];
  received = 0;
});

const fetcher = resilientFetch({ timeoutMs: 2_000, failureThreshold: 5, resetMs: 1_000 });
const requests = subgraphRequests();
const call = (query: string) => requests({ query }, { 'content-type': 'application/json' });
const outcome = (promise: Promise<SubgraphAnswer>) =>
  promise.then(
    (answer) => JSON.parse(answer.text),
    (error) => (error instanceof SubgraphCallError ? error.code : error),
  );

it.each([['reset' as const], [502]])('sends a query again after %s, and answers', async (failure) => {
  script = [failure];
  expect(await outcome(fetcher(url, call('{ posts { id } }')))).toEqual({ data: { ok: true } });
  expect(received).toBe(2);
});

it('sends a query once more only: a second failure is the answer', async () => {
  script = ['reset', 'reset'];
  expect(await outcome(fetcher(url, call('query Q { posts { id } }')))).toBe('SUBGRAPH_UNAVAILABLE');
  expect(received).toBe(2);
});

it.each([['reset' as const], [502]])('never sends a mutation again after %s', async (failure) => {
  script = [failure];
  expect(await outcome(fetcher(url, call('mutation { createPost(input: {}) { id } }')))).toBe('SUBGRAPH_UNAVAILABLE');
  expect(received).toBe(1);
});

// The gateway never sends a mutation under another guise, but the check must not be fooled either:
// a document with a mutation among several operations, or a persisted query's hash without its text.
it.each([
  ['several operations', { query: 'query Q { posts { id } } mutation M { deletePost(id: "1") }', operationName: 'M' }],
  ['a persisted query', { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }],
])('never sends %s again', async (_, body) => {
  script = ['reset'];
  expect(await outcome(fetcher(url, requests(body, { 'content-type': 'application/json' })))).toBe('SUBGRAPH_UNAVAILABLE');
  expect(received).toBe(1);
});

it('does not send a query again after the subgraph’s own 500', async () => {
  script = [500];
  expect(await outcome(fetcher(url, call('{ posts { id } }')))).toBe('SUBGRAPH_UNAVAILABLE');
  expect(received).toBe(1);
});
