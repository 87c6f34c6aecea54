import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jpeg } from '../support/images';
import { startStack, type Stack } from '../support/stack';

/**
 * The README's walkthrough, run as written: its shell blocks between the walkthrough markers, in
 * one bash, against a fresh stack on free ports (the blocks read BFF_WEB and BFF_MOBILE), so a
 * change that breaks a documented call breaks this test.
 */
const README = readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');

/** The ```sh blocks between `<!-- walkthrough` and `<!-- /walkthrough -->`. */
function walkthroughBlocks(markdown: string): string[] {
  const start = markdown.indexOf('<!-- walkthrough');
  const end = markdown.indexOf('<!-- /walkthrough -->');
  if (start < 0 || end < start) throw new Error('the README has no walkthrough markers');
  return [...markdown.slice(start, end).matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: cwd, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let stack: Stack;
let folder: string;
beforeAll(async () => {
  stack = await startStack();
  folder = mkdtempSync(path.join(os.tmpdir(), 'fg-walkthrough-'));
  writeFileSync(path.join(folder, 'photo.jpg'), await jpeg(1600, 1000));
});
afterAll(async () => {
  await stack?.stop();
  if (folder) rmSync(folder, { recursive: true, force: true });
});

it('runs every block of the README walkthrough, each succeeding', async () => {
  const blocks = walkthroughBlocks(README);
  expect(blocks.length).toBeGreaterThanOrEqual(9);
  // Each block announces itself on a line of its own (curl's JSON ends without a new line), so its
  // output, and a failure, is attributed to it.
  const script = ['set -euo pipefail', ...blocks.flatMap((block, i) => [`printf '\\n::block ${i + 1}\\n'`, block])].join('\n');
  const run = await bash(script, folder, { BFF_WEB: stack.web, BFF_MOBILE: stack.mobile });
  const outputs = run.stdout.split(/\n::block \d+\n/).slice(1).map((output) => output.trim());
  expect({ code: run.code, stderr: run.stderr, blocksRun: outputs.length }).toEqual({ code: 0, stderr: '', blocksRun: blocks.length });
  outputs.forEach((output, i) => expect({ block: i + 1, output }).toEqual({ block: i + 1, output: expect.not.stringContaining('"errors"') }));

  const [signUp, signIn, query, mutation, upload, renditions, refresh, signOut, mobile, mobileRefresh] = outputs;
  expect(JSON.parse(signUp).data.signUp.user).toEqual({ handle: expect.stringMatching(/^newcomer_\d+$/), role: 'AUTHOR' });
  expect(JSON.parse(signIn).data.signIn.user.role).toBe('AUTHOR');
  expect(JSON.parse(query).data.me.email).toMatch(/^newcomer_\d+@example\.com$/);
  expect(mutation).toMatch(/^post [0-9a-f-]{36}$/);
  expect(upload).toMatch(/^media [0-9a-f-]{36}$/);
  const [graph, thumb, large] = renditions.split('\n');
  expect(JSON.parse(graph).data.post.media[0]).toMatchObject({ kind: 'IMAGE', width: 1600, height: 1000, thumb: expect.stringMatching(/\/thumb$/) });
  expect(thumb).toMatch(/^thumb: 200 image\/webp \d+ bytes$/);
  expect(large).toMatch(/^large: 200 image\/jpeg \d+ bytes$/);
  // Renewed through the refresh cookie: the user again, and a new access cookie in the jar.
  expect(refresh).toMatch(/^"newcomer_\d+"\n1$/);
  expect(signOut.split(/\r?\n/)).toEqual([
    expect.stringMatching(/^set-cookie: fg_session=; Path=\/; .*Max-Age=0\s*$/i),
    expect.stringMatching(/^set-cookie: fg_refresh=; Path=\/graphql; .*Max-Age=0\s*$/i),
    '{"data":{"signOut":true}}',
  ]);
  expect(JSON.parse(mobile).data.me.posts.cards[0]).toMatchObject({ title: 'Hello', imageCount: 1 });
  expect(JSON.parse(mobileRefresh)).toEqual({ data: { signOut: true } });
});
