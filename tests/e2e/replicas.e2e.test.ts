import os from 'node:os';
import { Client } from 'pg';
import type { RunningService } from '../../tooling/processes';
import { startHaproxy, type TestHaproxy } from '../support/haproxy';
import { freePort } from '../support/ports';
import { startRedis, type TestRedis } from '../support/redis';
import { startStack, WEB_ORIGIN, type Stack } from '../support/stack';
import { signUp, type WebSession } from '../support/web';

/**
 * HAProxy in front of two replicas of each BFF and of posts, the BFFs sharing a Redis and calling
 * posts through HAProxy. Under steady reads and writes one replica of each is killed (SIGKILL):
 * only writes in flight at that moment may fail; reads are retried on the other replica (sent as
 * GET, by HAProxy; the BFFs' queries to posts, by the gateway), sessions go on, the anonymous answer
 * cached through the killed BFF is served by the other, and every write acknowledged is in posts'
 * database exactly once.
 */
let redis: TestRedis;
let stack: Stack;
let lb: TestHaproxy;
const replicas: Record<string, RunningService[]> = {};

beforeAll(async () => {
  redis = await startRedis();
  stack = await startStack({ bffEnv: { REDIS_URL: redis.url, RESPONSE_CACHE: 'true' }, subgraphEnv: { REDIS_URL: redis.url } });
  const postsPort = await freePort();
  const postsUrl = `http://127.0.0.1:${postsPort}/graphql`;
  // Two BFF replicas of each, pointed at HAProxy's posts frontend; the stack's own BFFs (pointed
  // at posts directly) are stopped, to spare the machine.
  await Promise.all([stack.bffs['bff-web'].stop(), stack.bffs['bff-mobile'].stop()]);
  // One after another: five cold starts at once can take over the launcher's 30 s on a loaded machine.
  const postsB = await stack.replica('posts');
  const bffs: RunningService[] = [];
  for (const name of ['bff-web', 'bff-web', 'bff-mobile', 'bff-mobile'] as const) bffs.push(await stack.replica(name, { POSTS_SUBGRAPH_URL: postsUrl }));
  replicas.posts = [stack.subgraphs.posts, postsB];
  replicas.web = bffs.slice(0, 2);
  replicas.mobile = bffs.slice(2);
  lb = await startHaproxy(
    Object.fromEntries(Object.entries(replicas).map(([name, services]) => [name, services.map((s) => s.origin)])),
    { posts: postsPort },
  );
}, 300_000);
afterAll(async () => {
  await lb?.stop();
  await stack?.stop();
  await redis?.stop();
});

const FEED = `query Feed { posts(first: 5) { nodes { id title } } }`;
const MOBILE_FEED = `query MobileFeed { feed(first: 5) { hasMore cards { __typename } } }`;
const ME = `query Me { me { id } }`;
/** Reads are GETs, which HAProxy may send again when the replica dies before answering. */
const get = async (origin: string, query: string, cookie?: string) => {
  const response = await fetch(`${origin}/graphql?query=${encodeURIComponent(query)}`, {
    headers: { origin: WEB_ORIGIN, 'apollo-require-preflight': '1', ...(cookie && { cookie }) },
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
};

interface Outcome {
  kind: string;
  start: number;
  end: number;
  ok: boolean;
  reason?: string;
}

it('loses only the requests in flight on the killed replicas, and no write', async () => {
  const web = lb.origin('web');
  const mobile = lb.origin('mobile');
  const writers = await Promise.all([0, 1].map((i) => signUp(web, `replica_writer_${i}`)));
  const acknowledged: string[] = [];
  const outcomes: Outcome[] = [];
  let stopped = false;
  const MAX_REQUESTS = 3_000;

  const loop = (kind: string, call: () => Promise<string | undefined>) =>
    (async () => {
      while (!stopped && outcomes.length < MAX_REQUESTS) {
        const start = performance.now();
        let reason: string | undefined;
        try {
          reason = await call();
        } catch (error) {
          const cause = (error as { cause?: { message?: string } }).cause;
          reason = `${(error as Error).message}${cause?.message ? `: ${cause.message}` : ''}`;
        }
        outcomes.push({ kind, start, end: performance.now(), ok: reason === undefined, reason });
      }
    })();
  const answer = (response: Awaited<ReturnType<typeof get>>) =>
    response.status === 200 && !response.body.errors ? undefined : `HTTP ${response.status} ${response.body.errors?.[0]?.extensions?.code ?? ''}`;
  const write = (session: WebSession, writer: number) => {
    let n = 0;
    return async () => {
      const title = `w${writer}-${++n}`;
      const response = await session.gql(`mutation($input: CreatePostInput!) { createPost(input: $input) { id title } }`, {
        input: { title, body: 'b', status: 'PUBLISHED' },
      });
      if (response.status !== 200 || response.body.errors) return `HTTP ${response.status} ${response.body.errors?.[0]?.extensions?.code ?? ''}`;
      acknowledged.push(response.body.data.createPost.title);
      return undefined;
    };
  };
  const running = [
    loop('anonymous read (web)', async () => answer(await get(web, FEED))),
    loop('anonymous read (mobile)', async () => answer(await get(mobile, MOBILE_FEED))),
    loop('signed-in read (web)', async () => {
      const response = await get(web, ME, writers[0].session.cookie);
      return response.body.data?.me?.id === writers[0].user.id ? undefined : answer(response) ?? 'not the session’s user';
    }),
    ...writers.map(({ session }, i) => loop('write (web)', write(session, i))),
  ];

  const stopLoad = async () => {
    stopped = true;
    await Promise.all(running);
  };
  // Declared here: the figures and checks below the load read them.
  let killAt = 0;
  let exited: Promise<number[]> = Promise.resolve([]);
  let loadAverage: number[] = [];
  const detected: Record<string, number> = {};
  try {
    // Warm up, then cache one anonymous answer through a known replica of each BFF, and kill those.
    await until(() => outcomes.length >= 100, 30_000);
    const cached = await cleanAnswer(web, `query Cached { posts(first: 2) { nodes { id } } }`);
    const cachedMobile = await cleanAnswer(mobile, `query CachedMobile { feed(first: 2) { hasMore } }`);
    const victims = {
      web: replicas.web[Number(cached.headers.get('x-served-by')!.split('-').pop())],
      mobile: replicas.mobile[Number(cachedMobile.headers.get('x-served-by')!.split('-').pop())],
      posts: replicas.posts[0],
    };
    killAt = performance.now();
    for (const victim of Object.values(victims)) victim.child.kill('SIGKILL');
    // On a loaded machine a killed process may take a while to be gone (it must be scheduled to die),
    // and until then the kernel still queues connections for it: in flight is "started before it had exited".
    exited = Promise.all(Object.values(victims).map((victim) => victim.ended.then(() => performance.now())));
    loadAverage = os.loadavg();

    // Time to detect: until HAProxy marks each killed server DOWN.
    await until(async () => {
      for (const row of await lb.stats()) {
        const name = row.backend as keyof typeof victims;
        if (victims[name] && row.server.endsWith(`-${replicas[name].indexOf(victims[name])}`) && row.status.startsWith('DOWN')) detected[name] ??= performance.now() - killAt;
      }
      return Object.keys(detected).length === 3;
    }, 15_000);
    const detectedAt = performance.now();

    // The answers cached through the killed replicas come from the others' shared cache.
    const again = await get(web, `query Cached { posts(first: 2) { nodes { id } } }`);
    expect(again.body).toEqual(cached.body);
    expect(again.headers.get('age')).not.toBeNull();
    expect(again.headers.get('x-served-by')).not.toBe(cached.headers.get('x-served-by'));
    const againMobile = await get(mobile, `query CachedMobile { feed(first: 2) { hasMore } }`);
    expect(againMobile.body).toEqual(cachedMobile.body);
    expect(againMobile.headers.get('age')).not.toBeNull();

    // Steady load on the survivors for a while, then stop.
    await until(() => performance.now() - detectedAt > 4_000 || outcomes.length >= MAX_REQUESTS, 30_000);
  } finally {
    await stopLoad();
  }

  // Sessions survive: the signed-in reads above went on, and a refresh on a survivor works.
  const { session, user } = writers[1];
  session.cookies.delete('fg_session');
  expect((await session.gql(ME)).body.data.me).toEqual({ id: user.id });

  const failures = outcomes.filter((o) => !o.ok);
  const goneAt = Math.max(...(await exited));
  const inFlightAtKill = outcomes.filter((o) => o.start < goneAt && o.end > killAt).length;
  const db = new Client({ connectionString: stack.databases.urls.posts });
  await db.connect();
  const { rows } = await db
    .query<{ title: string; copies: number }>(`SELECT title, count(*)::int AS copies FROM posts WHERE title ~ '^w[01]-' GROUP BY title`)
    .finally(() => db.end());

  // The figures BENCHMARKS.md reports, printed before they are judged.
  const kinds = [...new Set(outcomes.map((o) => o.kind))];
  const figures = {
    requests: outcomes.length,
    byKind: Object.fromEntries(
      kinds.map((kind) => {
        const of = outcomes.filter((o) => o.kind === kind);
        return [kind, { requests: of.length, afterKill: of.filter((o) => o.start >= killAt).length, failed: of.filter((o) => !o.ok).length }];
      }),
    ),
    failures: failures.map((f) => ({ kind: f.kind, reason: f.reason, startedAfterKillMs: Math.round(f.start - killAt) })),
    exitedAfterKillMs: Math.round(goneAt - killAt),
    inFlightAtKill,
    writesAcknowledged: acknowledged.length,
    writesStored: rows.length,
    detectedMs: Object.fromEntries(Object.entries(detected).map(([k, v]) => [k, Math.round(v)])),
    haproxy: Object.fromEntries((await lb.stats()).map((s) => [`${s.backend}/${s.server}`, { requests: s.sessions, retries: s.retries, redispatches: s.redispatches }])),
    loadAverage: loadAverage.map((l) => l.toFixed(2)),
  };
  console.log(`replica kill figures: ${JSON.stringify(figures)}`);

  // Only writes in flight when the replicas died may fail: reads were retried instead.
  expect(failures.filter((f) => !f.kind.startsWith('write'))).toEqual([]);
  for (const failure of failures) expect(failure.start).toBeLessThan(goneAt);
  expect(failures.length).toBeLessThanOrEqual(inFlightAtKill);
  expect(outcomes.filter((o) => o.start >= killAt).length).toBeGreaterThan(20);

  // Every acknowledged write is in posts' database exactly once, and nothing was written twice.
  const stored = new Map(rows.map((row) => [row.title, row.copies]));
  for (const title of acknowledged) expect(stored.get(title)).toBe(1);
  expect(rows.filter((row) => row.copies > 1)).toEqual([]);
  // A write that failed in flight may have been stored (its answer was lost), never more than those.
  const unacknowledged = failures.filter((f) => f.kind.startsWith('write')).length;
  expect(rows.length - acknowledged.length).toBeLessThanOrEqual(unacknowledged);
}, 180_000);

/** An anonymous answer without errors (one with errors is never cached), asked again until there is one. */
async function cleanAnswer(origin: string, query: string) {
  for (let attempt = 1; ; attempt++) {
    const response = await get(origin, query);
    if (response.status === 200 && !response.body.errors) return response;
    if (attempt === 10) throw new Error(`no answer without errors in 10 tries: ${JSON.stringify(response.body)}`);
  }
}

/** Polls `condition` every 50 ms until it holds; fails after `timeoutMs`. */
async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
