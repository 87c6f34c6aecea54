import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { execute, parse } from 'graphql';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { BffDataSource } from '../../bff/data-source';
import type { BffContext } from '../../bff/context';
import { createLogger } from '../../lib/telemetry/logger';

/**
 * Entity fetches of one request that a query plan starts at the same moment (a Parallel node's
 * branches) reach a subgraph as one operation, each under its own alias, and each fetch gets back
 * exactly what it would have got alone: its entities, and only its errors.
 */
const schema = buildSubgraphSchema({
  typeDefs: parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])
    type Post @key(fields: "id") { id: ID! media: [String!] }
    type User @key(fields: "id") { id: ID! avatar: String }
    type Query { version: Int }
  `),
  resolvers: {
    Post: { __resolveReference: ({ id }: { id: string }) => ({ id, media: [`m-${id}`] }) },
    User: {
      // As the subgraphs' own resolvers do (a DataLoader's promise): one entity's failure is its own.
      __resolveReference: async ({ id }: { id: string }) => {
        if (id === 'gone') throw new Error('no such user');
        if (id === 'broken') throw new Error('the whole list fails');
        return { id, avatar: `a-${id}` };
      },
    },
  } as never,
});

let server: http.Server;
let url: string;
/** Operations the subgraph received, as sent. */
let received: { query: string; variables: Record<string, unknown> }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk) => (text += chunk));
    req.on('end', async () => {
      const body = JSON.parse(text);
      received.push(body);
      const result = await execute({ schema, document: parse(body.query), variableValues: body.variables });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (received = []));

const source = () =>
  new BffDataSource({ subgraph: 'media', url, sign: async () => 'assertion', resilience: { timeoutMs: 2_000, failureThreshold: 5, resetMs: 1_000 }, logger: createLogger('test', 'error') });
const context = (): BffContext => ({ requestId: 'r', log: createLogger('test', 'error'), viewer: null, session: {} });
const POST_MEDIA = 'query Page__media__1($representations:[_Any!]!){_entities(representations:$representations){...on Post{media}}}';
const AVATARS = 'query Page__media__2($representations:[_Any!]!){_entities(representations:$representations){...on User{avatar}}}';
const fetch = (dataSource: BffDataSource, ctx: BffContext, query: string, representations: object[]) =>
  dataSource.process({
    kind: 'incoming operation',
    request: { query, variables: { representations } },
    context: ctx,
    incomingRequestContext: {},
    pathInIncomingRequest: ['posts'],
  } as unknown as GraphQLDataSourceProcessOptions<BffContext>);

it('sends the entity fetches one request starts together as one operation, each getting its own entities', async () => {
  const dataSource = source();
  const ctx = context();
  const [posts, users] = await Promise.all([
    fetch(dataSource, ctx, POST_MEDIA, [{ __typename: 'Post', id: 'p1' }, { __typename: 'Post', id: 'p2' }]),
    fetch(dataSource, ctx, AVATARS, [{ __typename: 'User', id: 'u1' }]),
  ]);
  expect(received).toHaveLength(1);
  expect(posts).toEqual({ data: { _entities: [{ media: ['m-p1'] }, { media: ['m-p2'] }] } });
  expect(users).toEqual({ data: { _entities: [{ avatar: 'a-u1' }] } });
});

it('gives each fetch only its own errors, under its own path', async () => {
  const ctx = context();
  const dataSource = source();
  const [posts, users] = await Promise.all([
    fetch(dataSource, ctx, POST_MEDIA, [{ __typename: 'Post', id: 'p1' }]),
    fetch(dataSource, ctx, AVATARS, [{ __typename: 'User', id: 'u1' }, { __typename: 'User', id: 'gone' }]),
  ]);
  expect(received).toHaveLength(1);
  expect(posts).toEqual({ data: { _entities: [{ media: ['m-p1'] }] } });
  expect(users.data).toEqual({ _entities: [{ avatar: 'a-u1' }, null] });
  expect(users.errors).toEqual([expect.objectContaining({ message: 'no such user', path: ['_entities', 1] })]);
});

it('sends each fetch alone again when the merged answer has no data, so one fetch never costs another its data', async () => {
  const ctx = context();
  const dataSource = source();
  // An entity list whose resolver throws synchronously nulls the whole answer (`_entities` is non-null).
  const sync = 'query Page__media__2($representations:[_Any!]!){_entities(representations:$representations){...on User{avatar}}}';
  const [posts, users] = await Promise.all([
    fetch(dataSource, ctx, POST_MEDIA, [{ __typename: 'Post', id: 'p1' }]),
    fetch(dataSource, ctx, sync, [{ __typename: 'Nope', id: 'u1' }]),
  ]);
  expect(received).toHaveLength(3);
  expect(posts).toEqual({ data: { _entities: [{ media: ['m-p1'] }] } });
  expect(users.data).toBeNull();
  expect(users.errors).toHaveLength(1);
});

it('never merges fetches of different requests, nor a fetch started later', async () => {
  const dataSource = source();
  await Promise.all([fetch(dataSource, context(), POST_MEDIA, [{ __typename: 'Post', id: 'p1' }]), fetch(dataSource, context(), AVATARS, [{ __typename: 'User', id: 'u1' }])]);
  expect(received).toHaveLength(2);
  const ctx = context();
  await fetch(dataSource, ctx, POST_MEDIA, [{ __typename: 'Post', id: 'p1' }]);
  await fetch(dataSource, ctx, AVATARS, [{ __typename: 'User', id: 'u1' }]);
  expect(received).toHaveLength(4);
});

it('never merges fetches that give a variable of the same name different values', async () => {
  const dataSource = source();
  const ctx = context();
  // Two fetches sharing the variable name `$size` with values of their own: one value for both would answer one wrongly.
  const sized = (n: number) => `query Page__media__${n}($representations:[_Any!]!,$size:Int){_entities(representations:$representations){...on Post{media}}}`;
  const withSize = (query: string, size: number) =>
    dataSource.process({
      kind: 'incoming operation',
      request: { query, variables: { representations: [{ __typename: 'Post', id: `p${size}` }], size } },
      context: ctx,
      incomingRequestContext: {},
      pathInIncomingRequest: ['posts'],
    } as unknown as GraphQLDataSourceProcessOptions<BffContext>);
  await Promise.all([withSize(sized(1), 1), withSize(sized(2), 2)]);
  expect(received).toHaveLength(2);
  expect(received.map((r) => r.variables.size).sort()).toEqual([1, 2]);
  received = [];
  await Promise.all([withSize(sized(1), 3), withSize(sized(2), 3)]);
  expect(received).toHaveLength(1);
});
