import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SUBGRAPHS } from '../../lib/config';
import { ROOT } from '../../lib/composition';
import { waitUntilReady } from '../../lib/processes';
import { freePort } from '../support/ports';
import { graphql } from '../support/stack';

/**
 * The newcomer's path: `npm start` with no database configured starts the embedded Postgres,
 * migrates, seeds, starts every service, and serves a query spanning all three subgraphs
 * through one URL; Ctrl-C stops all of it, the database included.
 */
let child: ChildProcess;
let dataDir: string;
const output: string[] = [];

afterAll(() => {
  // Only when the test failed before Ctrl-C: take down whatever is left of the group.
  if (child?.pid && groupAlive(child.pid)) process.kill(-child.pid, 'SIGKILL');
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

it('starts the whole graph on the embedded database, serves a cross-subgraph query, and stops cleanly on Ctrl-C', async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'fg-start-'));
  const ports = { web: await freePort(), users: await freePort(), posts: await freePort(), media: await freePort(), pg: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    BFF_WEB_PORT: String(ports.web),
    USERS_PORT: String(ports.users),
    POSTS_PORT: String(ports.posts),
    MEDIA_PORT: String(ports.media),
  };
  for (const name of SUBGRAPHS) delete env[`${name.toUpperCase()}_DATABASE_URL`];

  // Its own process group, so "Ctrl-C" can go to every process in it, as a terminal does.
  child = spawn('npm', ['start'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));

  const origin = `http://127.0.0.1:${ports.web}`;
  await waitUntilReady(origin, 90_000).catch((error) => {
    throw new Error(`${error.message}\n${output.join('')}`);
  });
  // The subgraphs are ready too by the time the URLs are printed.
  for (const port of [ports.users, ports.posts, ports.media]) await waitUntilReady(`http://127.0.0.1:${port}`, 30_000);

  const { body } = await graphql(
    origin,
    `{ posts(first: 5) { nodes { title author { handle } media { kind url(size: THUMB) } coverImage { alt } } } }`,
  );
  expect(body.errors).toBeUndefined();
  expect(body.data.posts.nodes).toHaveLength(5);
  for (const post of body.data.posts.nodes) {
    expect(post.author.handle).toMatch(/^[a-z]+$/);
    expect(post.media.map((m: { kind: string }) => m.kind)).toEqual(['IMAGE', 'VIDEO']);
    expect(post.coverImage.alt).toMatch(/^Figure 1 on /);
  }
  expect(output.join('')).toContain(`bff-web   ${origin}/graphql`);

  process.kill(-child.pid!, 'SIGINT');
  // npm itself ends by the signal, as it does in a terminal; what matters is what it leaves behind.
  expect(['SIGINT', 'exit 0', 'exit 130']).toContain(await exited);
  // Every process of the group is gone (services and the Postgres server), and the ports are free.
  const deadline = Date.now() + 15_000;
  while (groupAlive(child.pid!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(groupAlive(child.pid!)).toBe(false);
  await expect(fetch(`${origin}/health`)).rejects.toThrow();
  await expect(fetch(`http://127.0.0.1:${ports.posts}/health`)).rejects.toThrow();
});
