import { startStack, type Stack } from '../support/stack';

/**
 * Query limits against a hostile client, on both BFFs as real processes: every selection counts
 * (`__typename` and fragments included), a huge document is refused while it is parsed, and
 * while hostile requests are refused or served, another client's cheap query is still answered
 * at once: beside one, a bystander waits at most 100 ms longer than beside a cheap one (see HELD_UP_MS).
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
});

const repeat = (n: number, item: (i: number) => string) => Array.from({ length: n }, (_, i) => item(i)).join(' ');

/** POSTs a document, giving up after `timeoutMs` (a BFF that hangs fails the test, not the suite). */
async function post(origin: string, body: unknown, timeoutMs = 15_000) {
  const response = await fetch(`${origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] } };
}

/** What each BFF's hostile queries select under: a page of its main list, and a cheap query for the bystander. */
const BFFS = {
  'bff-web': { list: (first: string, inner: string) => `posts(first: ${first}) { nodes { ${inner} } }`, cheap: '{ posts(first: 1) { nodes { id } } }' },
  'bff-mobile': { list: (first: string, inner: string) => `feed(first: ${first}) { cards { ${inner} } }`, cheap: '{ feed(first: 1) { cards { title } } }' },
} as const;
type Bff = keyof typeof BFFS;
/** The type of an item of that list. */
const ITEM: Record<Bff, string> = { 'bff-web': 'Post', 'bff-mobile': 'PostCard' };

const originOf = (bff: Bff) => (bff === 'bff-web' ? stack.web : stack.mobile);

/** Rounds of one request under test with a bystander beside it. */
const ROUNDS = 5;

/**
 * Rounds of `send`, each sent once with a bystander beside it polling `cheap` on the same BFF
 * back to back until `send` has its answer (one poll at least): what another client waits while
 * one such request is refused or served. Returns each round's slowest poll, and what `send` got.
 */
async function besideEach<T>(origin: string, cheap: string, send: () => Promise<T>, rounds = ROUNDS) {
  const slowest: number[] = [];
  const answers: T[] = [];
  for (let round = 0; round < rounds; round++) {
    let settled = false;
    let worst = 0;
    const sent = send().finally(() => (settled = true));
    do {
      const started = performance.now();
      const { status } = await post(origin, { query: cheap }, 5_000);
      worst = Math.max(worst, performance.now() - started);
      expect(status).toBe(200);
    } while (!settled);
    slowest.push(worst);
    answers.push(await sent);
  }
  return { slowest, answers };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

interface Hostile {
  name: string;
  document: (bff: Bff) => string;
  /** The refusal's code, or 200 for a document that is served. */
  expected: string | 200;
}

const HOSTILE: Hostile[] = [
  {
    name: '20,000 __typename aliases under a full page (the 349 KB request)',
    document: (bff) => `{ ${BFFS[bff].list(bff === 'bff-web' ? '100' : '30', repeat(20_000, (i) => `a${i}: __typename`))} }`,
    expected: 'QUERY_TOO_LARGE',
  },
  {
    name: '150 __typename aliases (within the token limit)',
    document: (bff) => `{ ${BFFS[bff].list('10', repeat(150, (i) => `a${i}: __typename`))} }`,
    expected: 'TOO_MANY_ALIASES',
  },
  {
    name: '40 __typename aliases inside a fragment',
    document: (bff) => `{ ${BFFS[bff].list('10', '...Many')} } fragment Many on ${ITEM[bff]} { ${repeat(40, (i) => `a${i}: __typename`)} }`,
    expected: 'TOO_MANY_ALIASES',
  },
  {
    name: 'a fragment spread twice in each of 40 fragments (2^40 fields once expanded)',
    document: (bff) =>
      `{ ${BFFS[bff].list('10', '...F0')} } ${repeat(40, (i) => `fragment F${i} on ${ITEM[bff]} { ...F${i + 1} ...F${i + 1} }`)} fragment F40 on ${ITEM[bff]} { __typename }`,
    expected: 'QUERY_TOO_COSTLY',
  },
  {
    name: 'a huge fragment (20,000 fields)',
    document: (bff) => `{ ${BFFS[bff].list('10', '...Huge')} } fragment Huge on ${ITEM[bff]} { ${repeat(20_000, () => '__typename')} }`,
    expected: 'QUERY_TOO_LARGE',
  },
  {
    name: '5,000 directives on one field',
    document: () => `{ __typename ${repeat(5_000, () => '@include(if: true)')} }`,
    expected: 'QUERY_TOO_LARGE',
  },
  {
    name: '60 directives on one field (within the token limit)',
    document: () => `{ __typename ${repeat(60, () => '@include(if: true)')} }`,
    expected: 'GRAPHQL_VALIDATION_FAILED',
  },
  {
    name: 'nesting 2,000 levels deep',
    document: () => `{ ${'__type(name: "Query") { fields { type { '.repeat(2_000)} name ${'} } } '.repeat(2_000)} }`,
    expected: 'QUERY_TOO_LARGE',
  },
  {
    name: 'the same field 75 times with a selection (validation compares every pair)',
    document: (bff) => `{ ${BFFS[bff].list('10', repeat(75, () => (bff === 'bff-web' ? 'author { handle }' : 'title')))} }`,
    expected: 200,
  },
];

/**
 * What a hostile request may add to a bystander's wait: the issue's 100 ms, on the median round
 * (against the median round beside a cheap request). The machine these tests run on is shared
 * and loaded: an idle BFF's slowest answer there is itself up to some 300 ms at times, so one
 * round's spike is noise, not the hostile request's doing. No round may take a second (on main
 * before these limits, the 349 KB request alone held every other client for about 50 s, and a
 * fragment spread 2^40 times hung the BFF for good).
 */
const HELD_UP_MS = 100;
const STALL_MS = 1_000;

describe.each(Object.keys(BFFS) as Bff[])('%s under hostile documents', (bff) => {
  it.each(HOSTILE)('$name: refused or served at once, and a bystander is not held up', async ({ document, expected }) => {
    const origin = originOf(bff);
    const query = document(bff);
    const cheap = BFFS[bff].cheap;
    // Each hostile request is a new document (its own name), so no cache of parsed documents or
    // query plans spares it the work; the first one, unmeasured, warms the process up (JIT).
    let variant = 0;
    const hostile = () => post(origin, { query: `query Hostile${++variant} ${query}` });
    for (let i = 0; i < 5; i++) expect((await post(origin, { query: cheap })).status).toBe(200);
    await hostile();
    // The same rounds with a cheap request in place of the hostile one: the machine's own noise.
    const baseline = (await besideEach(origin, cheap, () => post(origin, { query: cheap }))).slowest;
    const { answers, slowest } = await besideEach(origin, cheap, hostile);
    expect(answers.length).toBeGreaterThan(0);
    for (const answer of answers) {
      if (expected === 200) {
        expect(answer.body.errors).toBeUndefined();
        expect(answer.status).toBe(200);
      } else {
        expect(answer.body.errors?.[0]?.extensions?.code).toBe(expected);
        expect(answer.status).toBe(400);
      }
    }
    expect(median(slowest)).toBeLessThan(median(baseline) + HELD_UP_MS);
    expect(Math.max(...slowest)).toBeLessThan(STALL_MS);
  });
});

describe('cost estimates use the resolvers’ own page sizes', () => {
  // Per item of the outer page this selection costs 1,303: ten items fit the limit (25,000), twenty do not.
  const heavy = (first: string) => `posts(first: ${first}) { nodes { author { posts(first: 100) { nodes {
    id title body bodyHtml status createdAt updatedAt publishedAt author { id handle displayName } } } } } }`;

  it('estimates first: null as the 20 posts it serves, like an absent or null variable', async () => {
    const code = async (query: string, variables?: Record<string, unknown>) => (await post(stack.web, { query, variables })).body.errors?.[0]?.extensions?.code;
    expect(await code(`{ ${heavy('10')} }`)).toBeUndefined();
    expect(await code(`{ ${heavy('20')} }`)).toBe('QUERY_TOO_COSTLY');
    expect(await code(`{ ${heavy('null')} }`)).toBe('QUERY_TOO_COSTLY');
    expect(await code(`query($n: Int) { ${heavy('$n')} }`)).toBe('QUERY_TOO_COSTLY');
    expect(await code(`query($n: Int) { ${heavy('$n')} }`, { n: null })).toBe('QUERY_TOO_COSTLY');
    expect(await code(`query($n: Int = 10) { ${heavy('$n')} }`, { n: null })).toBe('QUERY_TOO_COSTLY');
    expect(await code(`query($n: Int = 10) { ${heavy('$n')} }`)).toBeUndefined();
  });

  it('counts __typename like any field, in fragments too, toward the cost', async () => {
    // Estimated 46,061 with the fragment's 21 __typename selections counted, 4,061 without them.
    const query = `{ posts { nodes { author { posts(first: 100) { nodes { ...T } } } } } } fragment T on Post { ${repeat(20, (i) => `t${i}: __typename`)} __typename id }`;
    expect((await post(stack.web, { query })).body.errors?.[0]?.extensions?.code).toBe('QUERY_TOO_COSTLY');
  });
});

it('the web app, Sandbox and the mobile app’s own operations stay within the limits', async () => {
  const { getIntrospectionQuery } = await import('graphql');
  for (const origin of [stack.web, stack.mobile]) {
    const { status, body } = await post(origin, { query: getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }) });
    expect(body.errors).toBeUndefined();
    expect(status).toBe(200);
  }
});
