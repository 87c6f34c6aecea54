import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../lib/graphql/composition';
import { waitUntilReady } from '../../tooling/processes';
import { freeStartPorts, groupAlive, startEnv, type StartPorts } from '../../tooling/process-tree';
import { graphql } from '../support/stack';

/**
 * The newcomer's path: `npm start` with no database configured starts the embedded Postgres,
 * migrates, seeds, starts every service, and serves a query spanning all three subgraphs
 * through one URL; Ctrl-C (or SIGTERM) stops all of it, the database included.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fg-start-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const child of children) if (child.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});


async function groupGone(pgid: number): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (groupAlive(pgid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return !groupAlive(pgid);
}

/**
 * `npm start` in its own process group, as a terminal runs it, on the embedded database; with
 * `direct`, the start script's own node process, so a signal reaches it and nothing else.
 */
function npmStart(p: StartPorts, direct = false) {
  const env = startEnv(p, dataDir);
  const [command, args] = direct ? [process.execPath, ['--import', 'tsx', 'scripts/start.ts']] : ['npm', ['start']];
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const output: string[] = [];
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
  return { child, output, exited };
}

it('starts the whole graph on the embedded database, serves a cross-subgraph query, and stops cleanly on Ctrl-C', async () => {
  const p = await freeStartPorts();
  const { child, output, exited } = npmStart(p);
  const origin = `http://127.0.0.1:${p.web}`;
  await waitUntilReady(origin, 90_000).catch((error) => {
    throw new Error(`${error.message}\n${output.join('')}`);
  });
  for (const port of [p.mobile, p.users, p.posts, p.media]) await waitUntilReady(`http://127.0.0.1:${port}`, 30_000);

  const { body } = await graphql(origin, `{ posts(first: 5) { nodes { title author { handle } media { kind url(size: THUMB) } coverImage { alt } } } }`);
  expect(body.errors).toBeUndefined();
  expect(body.data.posts.nodes).toHaveLength(5);
  for (const post of body.data.posts.nodes) {
    expect(post.author.handle).toMatch(/^[a-z]+$/);
    expect(post.media.map((m: { kind: string }) => m.kind)).toEqual(['IMAGE', 'IMAGE']);
    expect(post.coverImage.alt).toMatch(/^Figure 1 on /);
  }
  // The demo's images are real files, served through the BFF.
  const thumb = await fetch(`${origin}${body.data.posts.nodes[0].media[0].url}`, { headers: { accept: 'image/webp' } });
  expect({ status: thumb.status, type: thumb.headers.get('content-type') }).toEqual({ status: 200, type: 'image/webp' });
  expect((await thumb.arrayBuffer()).byteLength).toBeGreaterThan(100);
  // The demo accounts can sign in.
  const signIn = await graphql(origin, `mutation { signIn(email: "ada@example.com", password: "demo-password") { user { role } } }`);
  expect(signIn.body.data.signIn.user.role).toBe('ADMIN');
  expect(output.join('')).toContain(`bff-web    ${origin}/graphql`);
  // GraphiQL, for when Sandbox cannot reach Apollo's CDN, is announced where it is served.
  expect(output.join('')).toMatch(new RegExp(`GraphiQL   ${origin}/graphiql and http://127\\.0\\.0\\.1:\\d+/graphiql`));
  expect((await fetch(`${origin}/graphiql`)).status).toBe(200);

  process.kill(-child.pid!, 'SIGINT');
  // npm itself ends by the signal, as it does in a terminal; what matters is what it leaves behind.
  expect(['SIGINT', 'exit 0', 'exit 130']).toContain(await exited);
  expect(await groupGone(child.pid!)).toBe(true);
  await expect(fetch(`${origin}/health`)).rejects.toThrow();
});

it('stops every service and the database when only the start process gets SIGTERM', async () => {
  const p = await freeStartPorts();
  const { child, output } = npmStart(p, true);
  await waitUntilReady(`http://127.0.0.1:${p.mobile}`, 90_000).catch((error) => {
    throw new Error(`${error.message}\n${output.join('')}`);
  });
  process.kill(child.pid!, 'SIGTERM'); // the parent only, as a process manager would
  expect(await groupGone(child.pid!)).toBe(true);
  for (const port of [p.web, p.mobile, p.users, p.posts, p.media, p.pg]) {
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  }
});

/**
 * A service failing on its very first start is a configuration problem (here its port is taken;
 * or a malformed variable, a missing key) that no restart can fix: `npm start` says so and stops
 * everything, rather than retrying and leaving a half-started graph. Only a service that has been
 * ready is restarted when it dies (supervision.e2e).
 */
it('stops everything, with a message naming the cause, and leaves nothing running when a service fails on its first start', async () => {
  const p = await freeStartPorts();
  const blocker = net.createServer().listen(p.posts, '127.0.0.1');
  await new Promise((r) => blocker.once('listening', r));
  try {
    const { child, exited, output } = npmStart(p, true);
    expect(await exited).toBe('exit 1');
    expect(output.join('')).toMatch(/posts exited with code 1 before listening|EADDRINUSE/);
    expect(output.join('')).toContain('start failed, stopping everything: a service or the database could not start');
    expect(output.join('')).not.toMatch(/restarting it in/);
    expect(await groupGone(child.pid!)).toBe(true);
    for (const port of [p.users, p.media, p.pg]) await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
  } finally {
    blocker.close();
  }
});
