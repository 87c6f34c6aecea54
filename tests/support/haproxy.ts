import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopChild } from '../../tooling/processes';
import { freePort } from './ports';

/** One line of HAProxy's statistics (`/stats;csv`) for a server. */
export interface ServerStats {
  backend: string;
  server: string;
  /** UP, DOWN, or a transition such as "UP 1/2". */
  status: string;
  /** Requests retried on another connection, and redispatched to another server. */
  retries: number;
  redispatches: number;
  /** Sessions (requests, here) sent to the server. */
  sessions: number;
}

export interface TestHaproxy {
  /** `http://127.0.0.1:<port>` of a frontend, by backend name. */
  origin(backend: string): string;
  stats(): Promise<ServerStats[]>;
  stop(): Promise<void>;
}

/**
 * A config in front of replicas, as README "Replicas and shared state" recommends: health checks
 * on `/ready` every 250 ms (down after 2 failures); a request whose connection fails is sent again,
 * to another server (`retries`, `option redispatch`), whatever its method, since it never reached a
 * server; a GET whose server died before answering is sent again too, but never a POST (a mutation
 * may have run: HAProxy cannot tell a GraphQL read from a write by its method, so clients send reads
 * that must survive as GET). No connection to a server is reused, so a request never rides an idle
 * connection to a process that has just died.
 */
export function haproxyConfig(frontends: Record<string, number>, backends: Record<string, string[]>, statsPort: number): string {
  const lines = [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode http',
    '  timeout connect 1s',
    '  timeout client 30s',
    '  timeout server 30s',
    '  retries 3',
    '  option redispatch 1',
    '  retry-on conn-failure empty-response',
    '  http-reuse never',
    '  option httpchk',
    '  http-check send meth GET uri /ready',
    '  default-server inter 250 fall 2 rise 2',
    `frontend stats`,
    `  bind 127.0.0.1:${statsPort}`,
    '  stats enable',
    '  stats uri /stats',
  ];
  for (const [name, servers] of Object.entries(backends)) {
    lines.push(`frontend ${name}`, `  bind 127.0.0.1:${frontends[name]}`, `  default_backend ${name}`);
    // x-served-by names the replica that answered, for the test to know which one to kill.
    lines.push(`backend ${name}`, '  http-request disable-l7-retry unless METH_GET || METH_HEAD', '  http-response set-header x-served-by %[srv_name]');
    servers.forEach((origin, i) => lines.push(`  server ${name}-${i} ${new URL(origin).host} check`));
  }
  return `${lines.join('\n')}\n`;
}

/** HAProxy (Debian's package) in the foreground, one frontend per backend, each on a free port; resolves once every server is UP. */
export async function startHaproxy(backends: Record<string, string[]>, ports?: Record<string, number>): Promise<TestHaproxy> {
  const frontends: Record<string, number> = { ...ports };
  for (const name of Object.keys(backends)) frontends[name] ??= await freePort();
  const statsPort = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-haproxy-'));
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, haproxyConfig(frontends, backends, statsPort));
  const output: string[] = [];
  const child: ChildProcess = spawn('haproxy', ['-db', '-f', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (chunk) => output.push(String(chunk)));
  child.stderr!.on('data', (chunk) => output.push(String(chunk)));

  const stats = async (): Promise<ServerStats[]> => {
    const text = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    const [header, ...rows] = text.trim().split('\n');
    const names = header.replace(/^# /, '').split(',');
    return rows
      .map((row) => Object.fromEntries(row.split(',').map((value, i) => [names[i], value])))
      .filter((row) => row.svname !== 'FRONTEND' && row.svname !== 'BACKEND' && row.pxname !== 'stats')
      .map((row) => ({
        backend: row.pxname,
        server: row.svname,
        status: row.status,
        retries: Number(row.wretr) || 0,
        redispatches: Number(row.wredis) || 0,
        sessions: Number(row.stot) || 0,
      }));
  };
  const stop = async () => {
    await stopChild(child, 2_000);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`haproxy exited with ${child.exitCode}:\n${output.join('')}`);
    }
    const up = await stats().then((rows) => rows.length > 0 && rows.every((row) => row.status === 'UP'), () => false);
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy's servers were not all UP within 20 s:\n${output.join('')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { origin: (backend) => `http://127.0.0.1:${frontends[backend]}`, stats, stop };
}
