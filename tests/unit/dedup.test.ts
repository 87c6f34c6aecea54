import { deduplicated, subgraphRequests } from '../../lib/resilience/dedup';
import type { SubgraphAnswer, SubgraphFetcher, SubgraphRequest } from '../../lib/resilience/fetch';

/** A fetcher that counts its calls and answers each when told to. */
function subgraph() {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const fetcher: SubgraphFetcher = (_url, request) => {
    calls.push(request.body);
    return new Promise<SubgraphAnswer>((resolve) => pending.push(() => resolve({ status: 200, headers: {}, text: `{"data":{"n":${calls.length}}}` })));
  };
  return { calls, fetcher, answerAll: () => pending.splice(0).forEach((answer) => answer()) };
}
const requests = subgraphRequests();
const call = (query: string, variables: Record<string, unknown> = {}, assertion = 'viewer-a'): SubgraphRequest => requests({ query, variables }, { 'x-gateway-assertion': assertion });

describe('deduplicated subgraph calls', () => {
  it('shares one call among identical queries in flight, layout aside, each caller parsing its own copy', async () => {
    const { calls, fetcher, answerAll } = subgraph();
    const fetch = deduplicated(fetcher);
    const answers = [fetch('http://posts', call('{ posts { id } }')), fetch('http://posts', call('query {\n  posts {\n    id\n  }\n}'))];
    answerAll();
    const [a, b] = (await Promise.all(answers)).map((answer) => JSON.parse(answer.text));
    expect(calls).toHaveLength(1);
    expect(a).toEqual({ data: { n: 1 } });
    expect(b).toEqual(a);
    expect(b).not.toBe(a);
    // Nothing is left behind: the next identical call is a call of its own.
    expect(fetch.inFlight()).toBe(0);
  });

  it('never shares a mutation, nor across viewers, subgraphs or variables', async () => {
    const { calls, fetcher, answerAll } = subgraph();
    const fetch = deduplicated(fetcher);
    const answers = [
      fetch('http://posts', call('mutation { like }')),
      fetch('http://posts', call('mutation { like }')),
      fetch('http://posts', call('{ a }', {}, 'viewer-a')),
      fetch('http://posts', call('{ a }', {}, 'viewer-b')),
      fetch('http://users', call('{ a }', {}, 'viewer-a')),
      fetch('http://posts', call('query($n: Int) { a(n: $n) }', { n: 1 })),
      fetch('http://posts', call('query($n: Int) { a(n: $n) }', { n: 2 })),
    ];
    answerAll();
    await Promise.all(answers);
    expect(calls).toHaveLength(7);
  });

  it('hands an unshared answer on as it came: nothing read again or copied', async () => {
    const { fetcher, answerAll } = subgraph();
    let original: unknown;
    const spy: SubgraphFetcher = (url, request) => fetcher(url, request).then((answer) => (original = answer));
    const answer = deduplicated(spy)('http://posts', call('{ posts { id } }'));
    answerAll();
    expect(await answer).toBe(original);
  });

  it('tells a single query from what may not be shared or sent twice', () => {
    expect(call('{ a }').query).toBe(true);
    expect(call('mutation { a }').query).toBe(false);
    expect(call('query Q { a } mutation M { b }').query).toBe(false);
    expect(requests({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }, {}).query).toBe(false);
    expect(call('{ not closed').query).toBe(false);
  });
});
