import { serverAudits, type AuditResult } from 'graphql-http';
import { startStack, type Stack } from '../support/stack';

/**
 * The GraphQL over HTTP spec's conformance audit (graphql-http's `serverAudits`, written by the
 * spec's authors, not here) against both BFFs as real processes. Every MUST passes. A SHOULD or MAY
 * that does not is listed below with the answer the BFF gives instead and why (README, Tests), so
 * a change in either direction fails here and the README stays true.
 */
interface Kept {
  /** What graphql-http reports: `warn` for a SHOULD, `notice` for a MAY. */
  status: 'warn' | 'notice';
  /** The BFF's answer instead: 400 with this error code. */
  code: string;
}

/**
 * 400 for a client's mistake whatever the Accept header (README, Tests). The audit's documents fail
 * a step earlier than its names say: FDE2's field `8f31…` does not parse, and 7B9B's `$id` is unused,
 * which validation refuses before coercion.
 */
const CLIENT_MISTAKE_IS_400: Record<string, Kept> = {
  '572B': { status: 'warn', code: 'GRAPHQL_PARSE_FAILED' }, // SHOULD use 200 on document parsing failure (application/json)
  FDE2: { status: 'warn', code: 'GRAPHQL_PARSE_FAILED' }, // SHOULD use 200 on document validation failure (application/json)
  '7B9B': { status: 'warn', code: 'GRAPHQL_VALIDATION_FAILED' }, // SHOULD use 200 on variable coercion failure (application/json)
};

/** CSRF prevention refuses a GET that a plain HTML form or <img> could send (no preflight header). */
const CSRF_REFUSED: Record<string, Kept> = {
  '5A70': { status: 'notice', code: 'BAD_REQUEST' }, // MAY accept application/x-www-form-urlencoded GET requests
  D6D5: { status: 'notice', code: 'BAD_REQUEST' }, // MAY allow {variables} in GETs (application/graphql-response+json)
  '6A70': { status: 'notice', code: 'BAD_REQUEST' }, // MAY allow {variables} in GETs (application/json)
};

const KEPT: Record<string, Kept> = { ...CLIENT_MISTAKE_IS_400, ...CSRF_REFUSED };

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

/** The failed audit's reason with the answer that caused it, for a readable failure. */
async function explain(result: Exclude<AuditResult, { status: 'ok' }>): Promise<string> {
  const body = await result.response.text().catch(() => '(body already read)');
  return `${result.reason}; the BFF answered ${result.response.status}: ${body.slice(0, 500)}`;
}

describe.each([
  ['bff-web', () => stack.web],
  ['bff-mobile', () => stack.mobile],
])('%s against the GraphQL over HTTP audit', (_name, origin) => {
  for (const audit of serverAudits({ url: () => `${origin()}/graphql`, fetchFn: fetch })) {
    const kept = KEPT[audit.id];
    it(`${audit.id} ${audit.name}${kept ? ` (kept: ${kept.code})` : ''}`, async () => {
      const result = await audit.fn();
      if (!kept) {
        if (result.status !== 'ok') throw new Error(await explain(result));
        return;
      }
      expect(audit.name).not.toMatch(/^MUST/); // a MUST is never kept
      expect(result.status).toBe(kept.status);
      if (result.status === 'ok') return; // unreachable: narrows the type
      expect(result.response.status).toBe(400);
      const body = (await result.response.json()) as { data?: unknown; errors: { message: string; extensions: { code: string } }[] };
      expect(body.data).toBeUndefined();
      expect(body.errors[0].extensions.code).toBe(kept.code);
      if (CSRF_REFUSED[audit.id]) expect(body.errors[0].message).toMatch(/Cross-Site Request Forgery/);
    });
  }
});

/** What Apollo's integration suite (tests/unit/apollo-integration.test.ts) found in lib/http/server.ts, through the real services. */
describe('/graphql/ and a malformed body, through the real services', () => {
  const post = (url: string, body: string, headers: Record<string, string> = {}) =>
    fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  it.each([
    ['bff-web', () => stack.web],
    ['bff-mobile', () => stack.mobile],
  ])('%s serves GraphQL at /graphql/ as at /graphql (404 before)', async (_name, origin) => {
    const response = await post(`${origin()}/graphql/`, JSON.stringify({ query: '{ __typename }' }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });

  it('a subgraph refuses /graphql/ without a gateway assertion, as it refuses /graphql', async () => {
    const response = await post(`${stack.subgraphs.users.origin}/graphql/`, JSON.stringify({ query: '{ __typename }' }));
    expect(response.status).toBe(401);
    expect(((await response.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each([
    ['bff-web', () => stack.web],
    ['bff-mobile', () => stack.mobile],
  ])('%s answers a malformed JSON body with 400 BAD_REQUEST saying where it breaks', async (_name, origin) => {
    const response = await post(`${origin()}/graphql`, '{foo');
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body).toEqual({ errors: [{ message: expect.stringMatching(/^Invalid JSON in request body: .*position 1/), extensions: { code: 'BAD_REQUEST' } }] });
  });
});

describe('a GET that CSRF prevention lets through', () => {
  it.each([
    ['bff-web', () => stack.web],
    ['bff-mobile', () => stack.mobile],
  ])('%s runs a GET query with variables when it carries a header a cross-site page cannot send unasked', async (_name, origin) => {
    const search = new URLSearchParams({ query: 'query($show: Boolean!) { __typename @include(if: $show) }', variables: JSON.stringify({ show: true }) });
    const url = `${origin()}/graphql?${search}`;
    const refused = await fetch(url);
    expect(refused.status).toBe(400);
    const response = await fetch(url, { headers: { 'apollo-require-preflight': 'true' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { __typename: 'Query' } });
  });
});
