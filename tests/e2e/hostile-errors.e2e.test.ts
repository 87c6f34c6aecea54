import http from 'node:http';
import pg from 'pg';
import { jpeg } from '../support/images';
import { startStack, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';
import type { RunningService } from '../../tooling/processes';

/**
 * A client's mistakes, on both BFFs and on the subgraphs directly, as real processes: each is a
 * 4xx answer (or a field error) with a stable code, never a 500, INTERNAL_SERVER_ERROR or an
 * error-level log line; log lines stay small whatever a request carries, and upload secrets
 * never reach a log. Media renders one image at a time with no queue, so concurrent uploads
 * meet 503 MEDIA_BUSY, whose URL must stay usable.
 */
let stack: Stack;
let author: { session: WebSession; user: { id: string } };
let postId: string;
let mediaDb: pg.Client;

beforeAll(async () => {
  stack = await startStack({ subgraphEnv: { MEDIA_PROCESSING_CONCURRENCY: '1', MEDIA_PROCESSING_QUEUE: '0', MEDIA_MAX_CONCURRENT_UPLOADS: '10' } });
  author = await signUp(stack.web);
  const { body } = await author.session.gql(`mutation { createPost(input: { title: "Hostile", body: "x", status: PUBLISHED }) { id } }`);
  postId = body.data.createPost.id;
  mediaDb = new pg.Client({ connectionString: stack.databases.urls.media });
  await mediaDb.connect();
});
afterAll(async () => {
  await mediaDb?.end();
  await stack?.stop();
});

const services = (): RunningService[] => [...Object.values(stack.subgraphs), ...Object.values(stack.bffs)];

/** The lines each service prints from now on. */
function watchLogs() {
  const start = new Map(services().map((s) => [s, s.output.length]));
  return () => services().flatMap((s) => s.output.slice(start.get(s)).map((line) => ({ service: s.name, line })));
}

const errorLines = (lines: { service: string; line: string }[]) => lines.filter(({ line }) => line.includes('"level":50') || line.includes('"level":60'));

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
}

async function send(origin: string, init: { method?: string; path?: string; body?: string; headers?: Record<string, string> }): Promise<Answer> {
  const response = await fetch(`${origin}${init.path ?? '/graphql'}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...init.headers },
    body: init.body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

const cursor = (createdAt: string) => Buffer.from(JSON.stringify([createdAt, '00000000-0000-4000-8000-000000000000'])).toString('base64url');
const BAD_DATES = ['0000-01-01T00:00:00.000Z', '275760-09-13T00:00:00.000Z', '2024-02-30T00:00:00.000Z'];

type Case = [name: string, request: { method?: string; path?: string; body?: string }, status: number, code: string];

/** Mistakes either BFF must answer the same way; `list` is a query taking `after` on that BFF. */
function clientMistakes({ list, paged, mutation }: { list: (after: string) => string; paged: string; mutation: string }): Case[] {
  const json = (value: unknown) => JSON.stringify(value);
  return [
    ['an APQ hash that is not the query’s', { body: json({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }) }, 400, 'BAD_REQUEST'],
    ['an unsupported APQ version', { body: json({ query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: '0'.repeat(64) } } }) }, 400, 'BAD_REQUEST'],
    ['a persistedQuery that is not an object', { body: json({ query: '{ __typename }', extensions: { persistedQuery: 'x' } }) }, 400, 'BAD_REQUEST'],
    ['an unknown operationName', { body: json({ query: 'query A { __typename }', operationName: 'B' }) }, 400, 'OPERATION_RESOLUTION_FAILURE'],
    ['two operations and no operationName', { body: json({ query: 'query A { __typename } query B { __typename }' }) }, 400, 'OPERATION_RESOLUTION_FAILURE'],
    ['variables that are not an object', { body: json({ query: 'query($n: Int) { __typename }', variables: 'x' }) }, 400, 'BAD_REQUEST'],
    ['a variable of the wrong type', { body: json({ query: `query($n: Int) { ${paged} }`, variables: { n: 'ten' } }) }, 400, 'BAD_USER_INPUT'],
    ['an Int variable over 32 bits', { body: json({ query: `query($n: Int) { ${paged} }`, variables: { n: 99999999999999 } }) }, 400, 'BAD_USER_INPUT'],
    ['extensions that are not an object', { body: json({ query: '{ __typename }', extensions: 'x' }) }, 400, 'BAD_REQUEST'],
    ['a body that is a number', { body: '5' }, 400, 'BAD_REQUEST'],
    ['a batched (array) body', { body: json([{ query: '{ __typename }' }, { query: '{ __typename }' }]) }, 400, 'BAD_REQUEST'],
    ['a body that is not JSON', { body: '{"query": ' }, 400, 'BAD_REQUEST'],
    ['a mutation sent with GET', { method: 'GET', path: `/graphql?query=${encodeURIComponent(mutation)}` }, 405, 'BAD_REQUEST'],
    ['GET with extensions that are not JSON', { method: 'GET', path: `/graphql?query=${encodeURIComponent('{ __typename }')}&extensions=x` }, 400, 'BAD_REQUEST'],
    ...BAD_DATES.map((date): Case => [`a cursor dated ${date}`, { body: json({ query: `{ ${list(cursor(date))} }` }) }, 200, 'BAD_USER_INPUT']),
  ];
}

const BFFS = {
  'bff-web': { list: (after: string) => `posts(after: "${after}") { nodes { id } }`, paged: 'posts(first: $n) { nodes { id } }', mutation: 'mutation { signOut }' },
  'bff-mobile': { list: (after: string) => `feed(after: "${after}") { cards { title } }`, paged: 'feed(first: $n) { cards { title } }', mutation: 'mutation { signOut(refreshToken: "x") }' },
};

describe.each(Object.entries(BFFS))('%s answers a client’s mistakes with a stable code', (bff, shape) => {
  it.each(clientMistakes(shape))('%s', async (_name, request, status, code) => {
    const logs = watchLogs();
    const origin = bff === 'bff-web' ? stack.web : stack.mobile;
    const answer = await send(origin, request);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(answer.status).toBe(status);
    expect(errorLines(logs())).toEqual([]);
  });
});

describe('the subgraphs answer a gateway’s malformed requests with a stable code', () => {
  const entities = (representation: string) => `{ _entities(representations: [${representation}]) { __typename } }`;
  type SubgraphCase = [name: string, subgraph: 'users' | 'posts' | 'media', query: string, code: string];
  const cases: SubgraphCase[] = [
    ['a representation of an unknown type', 'posts', entities('{ __typename: "Nope", id: "x" }'), 'BAD_USER_INPUT'],
    ['a representation without __typename', 'users', entities('{ id: "x" }'), 'BAD_USER_INPUT'],
    ['a representation that is not an object', 'media', entities('"x"'), 'BAD_USER_INPUT'],
    ['a representation whose id is an object', 'posts', entities('{ __typename: "Post", id: { a: 1 } }'), 'BAD_USER_INPUT'],
    ...BAD_DATES.flatMap((date): SubgraphCase[] => [
      [`posts: a cursor dated ${date}`, 'posts', `{ posts(after: "${cursor(date)}") { nodes { id } } }`, 'BAD_USER_INPUT'],
      [`users: a cursor dated ${date}`, 'users', `{ users(after: "${cursor(date)}") { nodes { id } } }`, 'BAD_USER_INPUT'],
      [`media: a cursor dated ${date}`, 'media', `{ mediaList(after: "${cursor(date)}") { nodes { id } } }`, 'BAD_USER_INPUT'],
    ]),
  ];
  it.each(cases)('%s', async (_name, subgraph, query, code) => {
    const logs = watchLogs();
    const { body } = await stack.subgraph(subgraph, query);
    expect(body.errors?.[0]?.extensions?.code).toBe(code);
    expect(errorLines(logs())).toEqual([]);
  });

  it('a well-formed id that matches nothing still resolves to null', async () => {
    const { body } = await stack.subgraph('posts', `{ _entities(representations: [{ __typename: "Post", id: "not-a-uuid" }]) { __typename } }`);
    expect(body).toEqual({ data: { _entities: [null] } });
  });

  it('an APQ hash that is not the query’s is 400 BAD_REQUEST', async () => {
    const logs = watchLogs();
    const response = await fetch(`${stack.subgraphs.posts.origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gateway-assertion': await stack.assertion('posts', null) },
      body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as Answer['body']).errors?.[0]?.extensions?.code).toBe('BAD_REQUEST');
    expect(errorLines(logs())).toEqual([]);
  });
});

describe('log lines', () => {
  /** No line a request caused may be larger than this. */
  const MAX_LINE = 8 * 1024;

  it('cap what a client sends: a 900 KB operationName, client name or field input writes no large line', async () => {
    const logs = watchLogs();
    const name = `Op${'x'.repeat(900_000)}`;
    const answers = await Promise.all([
      send(stack.web, { body: JSON.stringify({ query: 'query A { __typename }', operationName: name }) }),
      send(stack.mobile, { body: JSON.stringify({ query: 'query A { __typename }', operationName: name }) }),
      // A document whose own name is huge: one token, so within the limits, and served.
      send(stack.web, { body: JSON.stringify({ query: `query ${name} { posts(first: 1) { nodes { id author { handle } } } }` }) }),
      send(stack.web, { body: JSON.stringify({ query: `{ post(id: "${'z'.repeat(500_000)}") { id } }` }) }),
      send(stack.web, { body: JSON.stringify({ query: '{ __typename }' }), headers: { 'apollographql-client-name': 'c'.repeat(12_000) } }),
    ]);
    expect(answers.map((a) => a.status)).toEqual([400, 400, 200, 200, 200]);
    const lines = logs();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter(({ line }) => line.length > MAX_LINE).map(({ service, line }) => `${service}: ${line.length} characters`)).toEqual([]);
  });
});

describe('uploads', () => {
  const CREATE_UPLOAD = `mutation($postId: ID, $mimeType: String!, $bytes: Int!) {
    createUpload(postId: $postId, kind: IMAGE, mimeType: $mimeType, bytes: $bytes) { url }
  }`;

  /**
   * PUTs `bytes` to `url` through bff-web, sending the first half at once and the rest when
   * `rest` resolves, so several uploads can all be past media's door before any is complete.
   */
  function put(url: string, bytes: Buffer, rest: Promise<void> = Promise.resolve()) {
    return new Promise<{ status: number; retryAfter?: string; body: any }>((resolve, reject) => {
      const request = http.request(`${stack.web}${url}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg', 'content-length': bytes.length } });
      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] as string | undefined, body: text ? JSON.parse(text) : null });
        });
      });
      request.on('error', reject);
      const half = Math.floor(bytes.length / 2);
      request.write(bytes.subarray(0, half));
      rest.then(() => request.end(bytes.subarray(half)));
    });
  }

  async function openUpload(bytes: Buffer): Promise<string> {
    const { body } = await author.session.gql(CREATE_UPLOAD, { postId, mimeType: 'image/jpeg', bytes: bytes.length });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data.createUpload.url;
  }

  async function claimed(): Promise<number> {
    const { rows } = await mediaDb.query('SELECT count(*)::int AS n FROM uploads WHERE used_at IS NOT NULL');
    return rows[0].n;
  }

  it('refused with 503 MEDIA_BUSY, a URL stays usable, Retry-After reaches the client, and no secret reaches a log', async () => {
    const logs = watchLogs();
    const image = await jpeg(2400, 1800);
    const urls = await Promise.all(Array.from({ length: 3 }, () => openUpload(image)));
    const before = await claimed();
    let release!: () => void;
    const rest = new Promise<void>((resolve) => (release = resolve));
    const attempts = urls.map((url) => put(url, image, rest));
    // Every upload is claimed (past media's door, its bytes arriving) before any finishes.
    const deadline = Date.now() + 20_000;
    while ((await claimed()) < before + urls.length) {
      if (Date.now() > deadline) throw new Error('the uploads were not all claimed within 20 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    release();
    const first = await Promise.all(attempts);
    const busy = first.map((answer, i) => ({ answer, url: urls[i] })).filter(({ answer }) => answer.status === 503);
    expect(first.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(1);
    expect(busy.length).toBeGreaterThanOrEqual(1);
    for (const { answer } of busy) {
      expect(answer.body.errors[0].extensions.code).toBe('MEDIA_BUSY');
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    // Retrying the same URL works (one at a time, so media is not busy any more).
    for (const { url } of busy) {
      const retry = await put(url, image);
      expect(retry.status).toBe(201);
      expect(retry.body.media.status).toBe('READY');
    }
    const secrets = urls.map((url) => url.slice(url.lastIndexOf('/') + 1));
    expect(secrets.every((secret) => secret.length >= 40)).toBe(true);
    const lines = logs();
    expect(lines.some(({ line }) => line.includes('/uploads/'))).toBe(true);
    expect(lines.filter(({ line }) => secrets.some((secret) => line.includes(secret)))).toEqual([]);
    expect(errorLines(lines)).toEqual([]);
  });
});
