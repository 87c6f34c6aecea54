import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { BffDataSource } from '../../bff/data-source';
import type { BffContext } from '../../bff/context';
import { ASSERTION_HEADER } from '../../lib/identity/assertion';
import { createLogger } from '../../lib/telemetry/logger';

/** The headers bff-web's data source sends a subgraph: the assertion it signs is the one that arrives. */
let server: http.Server;
let url: string;
let received: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    received.push(req.headers);
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { version: 1 } })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('sends its own assertion and content type whatever headers the request carries', async () => {
  const dataSource = new BffDataSource({
    subgraph: 'posts',
    url,
    sign: async () => 'signed',
    resilience: { timeoutMs: 2_000, failureThreshold: 5, resetMs: 1_000 },
    logger: createLogger('test', 'error'),
  });
  const context: BffContext = { requestId: 'r', log: createLogger('test', 'error'), viewer: null, session: {} };
  const answer = await dataSource.process({
    kind: 'incoming operation',
    request: {
      query: '{ version }',
      http: { headers: new Map([['X-Gateway-Assertion', 'forged'], ['Content-Type', 'text/plain'], ['apollo-federation-include-trace', 'ftv1']]) },
    },
    context,
    incomingRequestContext: {},
  } as unknown as GraphQLDataSourceProcessOptions<BffContext>);
  expect(answer).toEqual({ data: { version: 1 } });
  expect(received).toHaveLength(1);
  expect(received[0][ASSERTION_HEADER]).toBe('signed');
  expect(received[0]['content-type']).toBe('application/json');
  expect(received[0]['apollo-federation-include-trace']).toBe('ftv1');
});
