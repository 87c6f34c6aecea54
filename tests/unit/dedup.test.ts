import { Response } from 'node-fetch';
import { deduplicated } from '../../lib/resilience/dedup';
import type { Fetcher } from '../../lib/resilience/fetch';

/** A fetcher that counts its calls and answers each when told to. */
function subgraph() {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  const fetcher = ((_url: string, init: { body?: unknown }) => {
    calls.push(String(init.body));
    return new Promise((resolve) => pending.push(() => resolve(new Response(`{"data":{"n":${calls.length}}}`, { status: 200 }))));
  }) as unknown as Fetcher;
  return { calls, fetcher, answerAll: () => pending.splice(0).forEach((answer) => answer()) };
}
const call = (query: string, variables: unknown = {}, assertion = 'viewer-a') => ({
  method: 'POST',
  headers: { 'x-gateway-assertion': assertion },
  body: JSON.stringify({ query, variables }),
});

describe('deduplicated subgraph calls', () => {
  it('shares one call among identical queries in flight, layout aside, each caller reading its own copy', async () => {
    const { calls, fetcher, answerAll } = subgraph();
    const fetch = deduplicated(fetcher);
    const answers = [fetch('http://posts', call('{ posts { id } }')), fetch('http://posts', call('query {\n  posts {\n    id\n  }\n}'))];
    answerAll();
    const bodies = await Promise.all((await Promise.all(answers)).map((r) => r.text()));
    expect(calls).toHaveLength(1);
    expect(bodies).toEqual(['{"data":{"n":1}}', '{"data":{"n":1}}']);
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

  it('hands an unshared response on as it came, unread', async () => {
    const { fetcher, answerAll } = subgraph();
    let original: unknown;
    const spy = ((url: string, init: Parameters<Fetcher>[1]) => fetcher(url, init).then((r) => (original = r))) as unknown as Fetcher;
    const answer = deduplicated(spy)('http://posts', call('{ posts { id } }'));
    answerAll();
    expect(await answer).toBe(original);
  });
});
