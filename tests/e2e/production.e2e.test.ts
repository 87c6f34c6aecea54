import { MobileClient } from '../../bff-mobile/client/client';
import { readManifest } from '../../bff-mobile/safelist';
import { seedAll } from '../../tooling/seed';
import { graphql, startStack, type Stack } from '../support/stack';

/** Both BFFs with NODE_ENV=production: the mobile safelist, no Sandbox, no introspection. */
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ bffEnv: { NODE_ENV: 'production', WEB_PUBLIC_ORIGIN: 'http://app.test' } });
  await seedAll(stack.databases.urls, { users: 2, postsPerUser: 4, mediaPerPost: 1 });
});
afterAll(() => stack?.stop());

const feedOperation = readManifest().operations.find((op) => op.name === 'Feed')!;

describe('the mobile safelist', () => {
  it('runs the app’s operations, sent by hash only', async () => {
    const feed = await new MobileClient({ baseUrl: stack.mobile }).feed(3);
    expect(feed.cards).toHaveLength(3);
    expect(feed.cards[0].title).toMatch(/^Notes on /);
  });

  it('refuses an operation that is not in the manifest with PERSISTED_QUERY_NOT_IN_LIST, without parsing it', async () => {
    const listed = await graphql(stack.mobile, '{ feed { cards { id } } }');
    expect(listed.status).toBe(400);
    expect(listed.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    // Not even parsed: a syntax error is refused the same way, not as GRAPHQL_PARSE_FAILED.
    const garbage = await graphql(stack.mobile, '{ this is not graphql');
    expect(garbage.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('refuses an unknown hash, and a known hash sent with other text', async () => {
    const post = (body: unknown) =>
      fetch(`${stack.mobile}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: (await r.json()) as { errors?: { extensions?: { code?: string } }[] },
      }));
    const unknown = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } });
    expect(unknown.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
    const swapped = await post({ query: '{ me { handle } }', extensions: { persistedQuery: { version: 1, sha256Hash: feedOperation.id } } });
    expect(swapped.body.errors?.[0].extensions?.code).toBe('PERSISTED_QUERY_NOT_IN_LIST');
  });

  it('accepts a listed operation by GET as well', async () => {
    const extensions = encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: feedOperation.id } }));
    const response = await fetch(`${stack.mobile}/graphql?operationName=Feed&variables=${encodeURIComponent('{"first":2}')}&extensions=${extensions}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { feed: { cards: unknown[] } } }).data.feed.cards).toHaveLength(2);
  });
});

describe('exploration is off in production', () => {
  it.each(['web', 'mobile'] as const)('bff-%s serves no Sandbox page', async (which) => {
    const response = await fetch(`${stack[which]}/graphql`, { headers: { accept: 'text/html' } });
    expect(response.headers.get('content-type') ?? '').not.toMatch(/text\/html/);
    expect(await response.text()).not.toMatch(/embeddable-sandbox/);
  });

  it.each(['web', 'mobile'] as const)('bff-%s serves no GraphiQL', async (which) => {
    for (const pathname of ['/graphiql', '/graphiql/']) expect((await fetch(`${stack[which]}${pathname}`)).status).toBe(404);
  });

  it('bff-web refuses introspection but serves ordinary queries', async () => {
    const introspection = await graphql(stack.web, '{ __schema { types { name } } }');
    expect(introspection.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(introspection.body.errors?.[0].message).toMatch(/introspection/i);
    const ordinary = await graphql(stack.web, '{ posts(first: 1) { nodes { id } } }');
    expect(ordinary.body.errors).toBeUndefined();
  });

  it('bff-web does not hint at field names in validation errors ("Did you mean")', async () => {
    const typo = await graphql(stack.web, '{ posts(first: 1) { nodes { titel } } }');
    expect(typo.status).toBe(400);
    expect(typo.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(typo.body.errors?.[0].message).toMatch(/titel/);
    expect(JSON.stringify(typo.body)).not.toMatch(/did you mean|"title"/i);
  });
});
