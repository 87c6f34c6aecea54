import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { MobileClient } from '../../bff-mobile/client/client';
import { ROOT } from '../../lib/graphql/composition';
import { waitUntilReady, type ServiceName } from '../../tooling/processes';
import { alive, freeStartPorts, groupAlive, postmasterPid, servicePid, startEnv } from '../../tooling/process-tree';
import { DEMO_PASSWORD } from '../../tooling/seed-plan';
import { graphql } from '../support/stack';

/**
 * Supervision under `npm start` (the start script's own process, on the embedded database, in
 * its own DATA_DIR, every service on a free port): kill -9 of any service or of the embedded
 * PostgreSQL is noticed, logged and restarted on the same port while the rest keep serving; a
 * service that keeps crashing is given up on and the rest keep serving.
 */
jest.setTimeout(240_000);

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fg-supervise-'));
let start: ChildProcess;
const output: string[] = [];
let p: Record<'web' | 'mobile' | 'users' | 'posts' | 'media' | 'pg', number>;
const portOf = (name: ServiceName) =>
  ({ 'bff-web': p.web, 'bff-mobile': p.mobile, users: p.users, posts: p.posts, media: p.media })[name];
const originOf = (name: ServiceName) => `http://127.0.0.1:${portOf(name)}`;
const log = () => output.join('');

/** Fresh answers: the BFFs' response cache would otherwise answer anonymous reads from before. */
const FRESH = { 'cache-control': 'no-cache' };
const WEB_QUERY = `{ posts(first: 5) { nodes { title author { handle } media { kind } coverImage { alt } } } }`;
const freshFetch: typeof fetch = (input, init) => fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...FRESH } });

beforeAll(async () => {
  p = await freeStartPorts();
  const env = startEnv(p, dataDir);
  start = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  start.stdout!.on('data', (chunk) => output.push(String(chunk)));
  start.stderr!.on('data', (chunk) => output.push(String(chunk)));
  for (const name of ['bff-web', 'bff-mobile', 'users', 'posts', 'media'] as const) {
    await waitUntilReady(originOf(name), 120_000).catch((error) => {
      throw new Error(`${error.message}\n${log()}`);
    });
  }
});

afterAll(async () => {
  if (start?.pid && groupAlive(start.pid)) {
    process.kill(start.pid, 'SIGTERM');
    await until(() => !groupAlive(start.pid!), 30_000).catch(() => undefined);
    if (groupAlive(start.pid)) process.kill(-start.pid, 'SIGKILL');
  }
  rmSync(dataDir, { recursive: true, force: true });
});


/** Polls `check` every 25 ms until it holds; rejects after `timeoutMs`. */
async function until<T>(check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${log().slice(-4000)}`);
}

async function ready(origin: string): Promise<boolean> {
  try {
    return (await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(2_000) })).ok;
  } catch {
    return false;
  }
}

/** Kills `service` with SIGKILL and waits until it is gone; returns the pid it had. */
async function kill9(service: ServiceName): Promise<number> {
  const pid = servicePid(start.pid!, service);
  if (!pid) throw new Error(`${service} is not running\n${log().slice(-4000)}`);
  process.kill(pid, 'SIGKILL');
  await until(() => !alive(pid), 10_000, `${service} to die`);
  return pid;
}

/** Waits until `service` runs as a new process (not `oldPid`) and its /ready answers 200 on its port. */
async function restarted(service: ServiceName, oldPid: number): Promise<number> {
  const pid = await until(() => {
    const now = servicePid(start.pid!, service);
    return now !== undefined && now !== oldPid && now;
  }, 60_000, `${service} to be restarted`);
  await until(() => ready(originOf(service)), 60_000, `${service} to be ready on its port`);
  return pid;
}

function expectPostsWithoutMedia(body: { data?: any; errors?: any[] }) {
  expect(body.data.posts.nodes).toHaveLength(5);
  for (const post of body.data.posts.nodes) {
    expect(post.author.handle).toMatch(/^[a-z]+$/);
    expect(post.media).toBeNull();
    expect(post.coverImage).toBeNull();
  }
  expect(body.errors!.length).toBeGreaterThanOrEqual(1);
  for (const error of body.errors!) {
    expect(error.extensions).toEqual({ code: expect.stringMatching(/^SUBGRAPH_(UNAVAILABLE|TIMEOUT)$/), serviceName: 'media' });
    expect(JSON.stringify(error)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|stack/i);
  }
}

function expectFeedWithoutMedia(feed: { data: { feed: { cards: any[] } }; errors: any[] }) {
  expect(feed.data.feed.cards).toHaveLength(5);
  for (const card of feed.data.feed.cards) {
    expect(card.authorHandle).toMatch(/^[a-z]+$/);
    expect(card.coverThumbUrl).toBeNull();
  }
  expect(feed.errors.length).toBeGreaterThanOrEqual(1);
  for (const error of feed.errors) expect(error.extensions).toEqual({ code: expect.stringMatching(/^SUBGRAPH_(UNAVAILABLE|TIMEOUT)$/), serviceName: 'media' });
}

async function fullAnswers(): Promise<boolean> {
  const web = await graphql(originOf('bff-web'), WEB_QUERY, {}, FRESH);
  const feed = await new MobileClient({ baseUrl: originOf('bff-mobile'), fetch: freshFetch }).execute<{ feed: { cards: any[] } }>('Feed', { first: 5 });
  return (
    !web.body.errors &&
    web.body.data.posts.nodes.every((n: { media: unknown[] }) => Array.isArray(n.media)) &&
    feed.errors.length === 0 &&
    feed.data.feed.cards.some((c) => c.coverThumbUrl)
  );
}

it('media killed -9: posts are served through both BFFs with media null while it is down, it is restarted on its port, and answers are full within 5 s of its restart', async () => {
  expect(await fullAnswers()).toBe(true);
  const oldPid = await kill9('media');

  // While media is down (the supervisor waits 250 ms, then a start takes a second or more).
  const web = await graphql(originOf('bff-web'), WEB_QUERY, {}, FRESH);
  expect(web.status).toBe(200);
  expectPostsWithoutMedia(web.body);
  const feed = await new MobileClient({ baseUrl: originOf('bff-mobile'), fetch: freshFetch }).execute<{ feed: { cards: any[] } }>('Feed', { first: 5 });
  expectFeedWithoutMedia(feed);

  await restarted('media', oldPid);
  const back = Date.now();
  await until(fullAnswers, 10_000, 'full answers through both BFFs');
  expect(Date.now() - back).toBeLessThan(5_000);
  expect(log()).toMatch(/media exited with signal SIGKILL; restarting it in \d+ ms/);
  expect(log()).not.toMatch(/stopping the rest|stopping all services/);
});

it.each(['bff-web', 'bff-mobile', 'users', 'posts'] as const)('%s killed -9 is restarted on its port while the rest keep running', async (service) => {
  const others = (['bff-web', 'bff-mobile', 'users', 'posts', 'media'] as const).filter((s) => s !== service);
  const otherPids = others.map((s) => servicePid(start.pid!, s));
  const oldPid = await kill9(service);
  await restarted(service, oldPid);
  expect(log()).toContain(`${service} exited with signal SIGKILL; restarting it in`);
  // The others were not restarted.
  expect(others.map((s) => servicePid(start.pid!, s))).toEqual(otherPids);
  // And the graph serves through both BFFs again.
  await until(fullAnswers, 15_000, 'full answers through both BFFs');
});

it('the embedded PostgreSQL killed -9 is noticed and restarted on its data and port, and a write acknowledged before the kill is still there', async () => {
  const writer = new MobileClient({ baseUrl: originOf('bff-mobile') });
  await writer.signIn('grace@example.com', DEMO_PASSWORD);
  const title = `acknowledged before the kill ${Date.now()}`;
  const created = await writer.createPost(title, 'must survive kill -9 of the postmaster');
  expect(created.id).toBeTruthy();

  const oldPid = postmasterPid(dataDir)!;
  expect(oldPid).toBeGreaterThan(0);
  process.kill(oldPid, 'SIGKILL');
  await until(() => /postgres exited with signal SIGKILL; restarting it in/.test(log()), 10_000, 'the death to be noticed');
  const newPid = await until(() => {
    const pid = postmasterPid(dataDir);
    return pid !== undefined && pid !== oldPid && pid;
  }, 60_000, 'a new postmaster');
  expect(newPid).not.toBe(oldPid);
  // The subgraphs reconnect by themselves.
  for (const name of ['users', 'posts', 'media'] as const) await until(() => ready(originOf(name)), 60_000, `${name} to reach its database again`);

  const read = await until(async () => {
    const { body } = await graphql(originOf('bff-web'), `query($id: ID!) { post(id: $id) { title author { handle } } }`, { id: created.id }, FRESH);
    return !body.errors && body;
  }, 30_000, 'the post to be readable');
  expect(read.data.post).toEqual({ title, author: { handle: 'grace' } });
  // Writes work again too.
  expect((await writer.createPost(`${title} (after)`, 'written after the restart')).id).toBeTruthy();
  expect(log()).toContain('embedded PostgreSQL is running again');
});

it('a service that keeps crashing is given up on with a message naming it, and the rest keep serving', async () => {
  // Media dies, and its port is taken before it can come back: every restart fails to listen.
  const pid = servicePid(start.pid!, 'media')!;
  process.kill(pid, 'SIGKILL');
  const blocker = net.createServer();
  await until(
    () =>
      new Promise<boolean>((resolve) => {
        blocker.once('error', () => resolve(false));
        blocker.listen(p.media, '127.0.0.1', () => resolve(true));
      }),
    10_000,
    "media's port to be free for the blocker",
  );
  try {
    await until(() => /media [^"]*given up on/.test(log()), 90_000, 'media to be given up on');
    expect(log()).toMatch(/media could not be restarted \(media exited with code 1 before listening\); restarting it in \d+ ms/);
    expect(log()).toMatch(/media could not be restarted[^"]*it crashed \d+ times within 60 s, so it is given up on/);

    // The rest keep serving: posts without media through both BFFs.
    for (const name of ['bff-web', 'bff-mobile', 'users', 'posts'] as const) expect(await ready(originOf(name))).toBe(true);
    const web = await graphql(originOf('bff-web'), WEB_QUERY, {}, FRESH);
    expectPostsWithoutMedia(web.body);
    expectFeedWithoutMedia(await new MobileClient({ baseUrl: originOf('bff-mobile'), fetch: freshFetch }).execute('Feed', { first: 5 }));
  } finally {
    blocker.close();
  }
  // Given up: no media process, and no further attempt.
  expect(servicePid(start.pid!, 'media')).toBeUndefined();
  expect(start.exitCode).toBeNull();
});

it('SIGTERM to the start process stops everything, restarting nothing, and leaves no process', async () => {
  const mark = log().length;
  process.kill(start.pid!, 'SIGTERM');
  await until(() => !groupAlive(start.pid!), 30_000, 'every process to exit');
  const after = log().slice(mark);
  expect(after).toContain('stopping all services');
  expect(after).not.toMatch(/restarting it in|restarted"/);
  for (const port of [p.web, p.mobile, p.users, p.posts, p.pg]) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
});
