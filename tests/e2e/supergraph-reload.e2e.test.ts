import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SUPERGRAPH_SDL, writeSupergraph } from '../../lib/graphql/composition';
import { seedAll } from '../../tooling/seed';
import { composeWithPosts, editPostType } from '../support/schema-edits';
import { graphql, startStack, type Stack } from '../support/stack';

/**
 * Hot reload of the supergraph: both BFFs start from a copy of an older supergraph (posts
 * without `Post.updatedAt`, as before a compatible change shipped), then the current one is
 * swapped in while both serve a steady load. Posts' running process already serves the field:
 * the subgraph deployed first, the supergraph follows.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-supergraph-'));
const file = path.join(dir, 'supergraph.graphql');

const withoutUpdatedAt = composeWithPosts(dir, (sdl) => editPostType(sdl, '  updatedAt: DateTime!\n', ''));
const withoutTitle = composeWithPosts(dir, (sdl) => editPostType(sdl, '  title: String!\n', ''));
const current = readFileSync(SUPERGRAPH_SDL, 'utf8');

// What SUPERGRAPH_URL answers: a registry, here a loopback server of the test's.
let served = withoutUpdatedAt;
const registry = http.createServer((_, res) => res.end(served));

let stack: Stack;
beforeAll(async () => {
  writeFileSync(file, withoutUpdatedAt);
  await new Promise<void>((resolve) => registry.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(registry.address() as AddressInfo).port}/supergraph.graphql`;
  stack = await startStack({ bffEnv: { SUPERGRAPH_PATH: file, SUPERGRAPH_URL: url, SUPERGRAPH_POLL_MS: '200' } });
  await seedAll(stack.databases.urls, { users: 2, postsPerUser: 3, mediaPerPost: 0 });
});
afterAll(async () => {
  await stack?.stop();
  // The BFFs' polls kept connections alive: close them with the server.
  registry.closeAllConnections();
  await new Promise((resolve) => registry.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

const WEB_READ = '{ posts(first: 3) { nodes { id } } }';
const MOBILE_READ = '{ feed(first: 3) { cards { id title } } }';
const WITH_UPDATED_AT = '{ posts(first: 1) { nodes { id updatedAt } } }';

/**
 * Both BFFs under a steady load until `stop()`, at most 4,000 requests: every answer must be a
 * 200 with data and no error.
 */
function steadyLoad() {
  let stopped = false;
  const failures: string[] = [];
  let requests = 0;
  const worker = async (origin: string, query: string) => {
    while (!stopped && requests < 4_000) {
      requests += 1;
      try {
        const { status, body } = await graphql(origin, query);
        if (status !== 200 || body.errors || !body.data) failures.push(`${status} ${JSON.stringify(body.errors ?? body)}`);
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  };
  const workers = [worker(stack.web, WEB_READ), worker(stack.mobile, MOBILE_READ)];
  return {
    failures,
    get requests() {
      return requests;
    },
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** Resolves with the time `probe` first succeeded, polling every 20 ms for up to `timeoutMs`. */
async function timeUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await probe()) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${timeoutMs} ms`);
}

const logged = (service: 'bff-web' | 'bff-mobile', message: string) =>
  stack.bffs[service].output.filter((line) => line.includes(message)).map((line) => JSON.parse(line) as { msg: string; source?: string; reason?: string });

describe('supergraph hot reload', () => {
  it('swaps in a supergraph that adds a field under load: no request fails, and the field is served within 2 s', async () => {
    const before = await graphql(stack.web, WITH_UPDATED_AT);
    expect(before.body.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const load = steadyLoad();
    await timeUntil(async () => load.requests > 50, 30_000);
    writeSupergraph(current, file);
    const servedAfterMs = await timeUntil(async () => {
      const { body } = await graphql(stack.web, WITH_UPDATED_AT);
      return typeof body.data?.posts.nodes[0]?.updatedAt === 'string';
    }, 2_000);
    // bff-mobile took it too (its schema does not change: the field is not in its API).
    await timeUntil(async () => logged('bff-mobile', 'supergraph updated').length === 1, 2_000);
    await timeUntil(async () => load.requests > 200, 30_000);
    await load.stop();

    expect(load.failures).toEqual([]);
    expect(servedAfterMs).toBeLessThan(2_000);
    expect(logged('bff-web', 'supergraph updated')).toEqual([expect.objectContaining({ source: 'file' })]);
  });

  it('refuses what it cannot serve, logs it, and keeps serving the supergraph it has', async () => {
    const load = steadyLoad();
    // The registry answers something that is no supergraph: both BFFs refuse it.
    served = 'this is not a supergraph';
    await timeUntil(async () => logged('bff-web', 'refused a new supergraph').length >= 1 && logged('bff-mobile', 'refused a new supergraph').length >= 1, 5_000);
    // A supergraph without Post.title composes, but bff-mobile's operations select it: bff-mobile refuses it.
    served = withoutTitle;
    await timeUntil(async () => logged('bff-mobile', 'refused a new supergraph').length >= 2, 5_000);
    await timeUntil(async () => load.requests > 200, 30_000);
    await load.stop();

    expect(load.failures).toEqual([]);
    const [, refusal] = logged('bff-mobile', 'refused a new supergraph');
    expect(refusal).toMatchObject({ source: 'url', reason: expect.stringContaining('Cannot query field "title" on type "Post"') });
    // Nothing of where the supergraph came from reaches the log.
    expect(JSON.stringify(logged('bff-mobile', 'supergraph'))).not.toContain('127.0.0.1');
    const feed = await graphql(stack.mobile, MOBILE_READ);
    expect(feed.body.data.feed.cards[0].title).toEqual(expect.any(String));
  });
});
