import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { stopChild } from '../../tooling/processes';
import { freePort } from './ports';

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** A client of this server, for looking at what the services stored. */
  client(): Redis;
  /** Stops the server (SIGTERM); nothing is kept, as it was started without persistence. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/**
 * A redis-server of the test's own (Debian's package) on a free port, without persistence, so
 * that the test can stop it; never the machine's Redis on 6379. `args`: more of redis-server's
 * options (e.g. `--requirepass`).
 */
export async function startRedis({ args = [] }: { args?: string[] } = {}): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];
  const start = () =>
    new Promise<void>((resolve, reject) => {
      const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = server;
      const output: string[] = [];
      server.once('exit', (code) => reject(new Error(`redis-server exited with ${code} before it was ready:\n${output.join('\n')}`)));
      server.once('error', reject);
      createInterface({ input: server.stdout! }).on('line', (line) => {
        output.push(line);
        if (line.includes('Ready to accept connections')) resolve();
      });
    });
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    client() {
      const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.splice(0).map((c) => c.quit().catch(() => c.disconnect())));
      if (child) await stopChild(child);
    },
    start,
  };
}
