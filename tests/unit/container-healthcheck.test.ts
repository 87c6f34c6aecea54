import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { portVariable } from '../../lib/config/env';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs the container's health check as Docker would; resolves with its exit code and what it printed. */
function healthcheck(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'tooling', 'healthcheck.ts'), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, ...env } },
      (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
    );
  });
}

describe('the container health check (tooling/healthcheck.ts)', () => {
  // A stand-in for the service: alive, not ready, on a free port the service's own port variable names.
  const server = http.createServer((req, res) => res.writeHead(req.url === '/health' ? 200 : 503).end());
  let port: number;
  beforeAll(() => new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve())).then(() => (port = (server.address() as AddressInfo).port)));
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it("asks the port of the container's SERVICE, on loopback when it listens on every address", async () => {
    const env = { SERVICE: 'posts', [portVariable('posts')]: String(port), HOST: '0.0.0.0' };
    expect(await healthcheck(env)).toEqual({ code: 0, stderr: '' });
    expect((await healthcheck(env, '/ready')).code).toBe(1);
    // Another service's port variable is not this container's.
    expect((await healthcheck({ SERVICE: 'users', [portVariable('posts')]: String(port), [portVariable('users')]: '1' })).code).toBe(1);
  });

  it('stops with one line naming SERVICE when the image was built without a valid one', async () => {
    expect(await healthcheck({ SERVICE: 'gateway' })).toEqual({
      code: 1,
      stderr: 'healthcheck: SERVICE must be one of bff-web, bff-mobile, users, posts, media; got "gateway"\n',
    });
  });
});
