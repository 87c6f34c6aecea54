import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { portVariable } from '../../lib/config/env';
import { generatePrivateJwk } from '../../lib/identity/keys';
import { waitUntilReady } from '../../tooling/processes';
import { freePort } from '../support/ports';
import { ROOT, imageEnv } from '../support/deployment';

/** The JSON array form of a Dockerfile instruction (`CMD [...]`, `HEALTHCHECK … CMD [...]`). */
function dockerfileCommand(instruction: 'CMD' | 'HEALTHCHECK'): string[] {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const line = dockerfile.split('\n').find((l) => l.startsWith(`${instruction} `))!;
  return JSON.parse(line.slice(line.indexOf('['))) as string[];
}

/** Runs a command of the image (node …) here, in the repository as the image's /app. */
function run(command: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  expect(command[0]).toBe('node');
  return new Promise((resolve) => {
    execFile(process.execPath, command.slice(1), { cwd: ROOT, env: { PATH: process.env.PATH, ...env } }, (error, _stdout, stderr) =>
      resolve({ code: error ? (error.code as number) : 0, stderr }),
    );
  });
}

describe("the image's health check (HEALTHCHECK, tooling/healthcheck.ts)", () => {
  // A stand-in for the service: alive, not ready, on a free port the service's own port variable names.
  const server = http.createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 503).end());
  let port: number;
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())).then(() => (port = (server.address() as AddressInfo).port)));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("asks /health at the port of the container's SERVICE, on loopback when it listens on every address", async () => {
    const healthcheck = dockerfileCommand('HEALTHCHECK');
    expect(healthcheck.slice(-2)).toEqual(['tooling/healthcheck.ts', '/health']);
    const env = { SERVICE: 'posts', [portVariable('posts')]: String(port), HOST: '0.0.0.0' };
    expect(await run(healthcheck, env)).toEqual({ code: 0, stderr: '' });
    // compose waits on readiness the same way.
    expect((await run([...healthcheck.slice(0, -1), '/ready'], env)).code).toBe(1);
    // Another service's port variable is not this container's.
    expect((await run(healthcheck, { SERVICE: 'users', [portVariable('posts')]: String(port), [portVariable('users')]: '1' })).code).toBe(1);
  });

  it('stops with one line naming SERVICE when the image was built without a valid one', async () => {
    expect(await run(dockerfileCommand('HEALTHCHECK'), { SERVICE: 'gateway' })).toEqual({
      code: 1,
      stderr: 'healthcheck: SERVICE must be one of bff-web, bff-mobile, users, posts, media; got "gateway"\n',
    });
  });
});

describe("the image's command (CMD, tooling/service.ts)", () => {
  let dataDir: string;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'container-test-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs the service the image was built for, in production, and exits 0 once drained on SIGTERM', async () => {
    const port = await freePort();
    const env = {
      ...imageEnv('bff-mobile'),
      // Loopback here, not the image's 0.0.0.0; bff-mobile is ready once its supergraph is loaded, no subgraph needed.
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      [portVariable('bff-mobile')]: String(port),
      GATEWAY_SIGNING_KEY: JSON.stringify(await generatePrivateJwk()),
      PATH: process.env.PATH!,
    };
    expect(env.NODE_ENV).toBe('production');
    const [node, ...args] = dockerfileCommand('CMD');
    expect(node).toBe('node');
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      await waitUntilReady(`http://127.0.0.1:${port}`, 60_000);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
