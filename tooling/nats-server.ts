import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { stopChild } from './processes';
import { freePort } from './scratch-graph';

/** Debian's package (.ci/run installs it when missing). */
const NATS_SERVER = '/usr/sbin/nats-server';

export interface TestNats {
  /** `nats://127.0.0.1:<port>` */
  url: string;
  /** Stops the server (SIGTERM); its stream store stays for the next start. */
  stop(): Promise<void>;
  /** Starts it again on the same port and store, and awaits it. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  destroy(): Promise<void>;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/** deploy/nats/nats-server.conf: the deployment's server configuration, a user per subgraph. */
export const NATS_CONFIG = path.join(__dirname, '..', 'deploy', 'nats', 'nats-server.conf');

export interface NatsOptions {
  /** A single user that may do anything. */
  user?: string;
  pass?: string;
  /** A configuration file (NATS_CONFIG), and the environment it reads (its users' passwords). */
  config?: string;
  env?: Record<string, string>;
}

/**
 * A NATS server with JetStream of a test suite's or a benchmark's own (requiring `user` and `pass`, or with the
 * users of `config`, when given), on a free port with a temporary store, so that it can be stopped and restarted
 * (never the machine's on 4222).
 */
export async function startNats({ user, pass, config, env }: NatsOptions = {}): Promise<TestNats> {
  const port = await freePort();
  const store = mkdtempSync(path.join(os.tmpdir(), 'fg-nats-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    const auth = user && pass ? ['--user', user, '--pass', pass] : [];
    const file = config ? ['-c', config] : [];
    // The command line's address, port and store override the file's.
    child = spawn(NATS_SERVER, [...file, '-js', '-a', '127.0.0.1', '-p', String(port), '-sd', store, ...auth], {
      stdio: 'ignore',
      env: { ...process.env, ...env },
    });
    const spawned = child;
    const deadline = Date.now() + 20_000;
    while (!(await accepts(port))) {
      if (spawned.exitCode !== null) throw new Error(`nats-server exited with ${spawned.exitCode}`);
      if (Date.now() > deadline) throw new Error('nats-server did not come up within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const stop = async () => {
    if (child) await stopChild(child);
    child = undefined;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(store, { recursive: true, force: true });
    },
  };
}
