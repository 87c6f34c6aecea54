import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { ROOT } from '../lib/graphql/composition';
import type { ExitInfo } from './supervisor';

/** Entry modules of the services, by name. */
export const SERVICE_ENTRIES = {
  users: 'subgraphs/users/index.ts',
  posts: 'subgraphs/posts/index.ts',
  media: 'subgraphs/media/index.ts',
  'bff-web': 'bff-web/index.ts',
  'bff-mobile': 'bff-mobile/index.ts',
} as const;
export type ServiceName = keyof typeof SERVICE_ENTRIES;

/** The most recent lines of a service's output that are kept (see RunningService.output). */
const MAX_KEPT_LINES = 2_000;

export interface RunningService {
  name: ServiceName;
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  child: ChildProcess;
  /** The last 2,000 lines the process printed, for diagnosing a failed test or start. */
  output: string[];
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
  /** Resolves with the exit code and the signal that ended it, once it has exited. */
  ended: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface StartOptions {
  /** Extra environment; the port variable is the caller's to set (0 picks a free port). */
  env: NodeJS.ProcessEnv;
  /** Called with each line the service prints. */
  onLine?: (line: string) => void;
  /** How long to wait for the `listening` line. */
  timeoutMs?: number;
  /** Called as soon as the process exists, before it listens, so a caller can always stop it. */
  onSpawn?: (child: ChildProcess) => void;
}

/**
 * Starts one service as its own Node process (TypeScript through tsx) and resolves once it
 * has logged the port it listens on. Readiness is a separate step: `waitUntilReady`.
 */
export function startService(name: ServiceName, { env, onLine, timeoutMs = 30_000, onSpawn }: StartOptions): Promise<RunningService> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, SERVICE_ENTRIES[name])], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onSpawn?.(child);
  const output: string[] = [];
  const ended = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const exited = ended.then(({ code }) => code);
  child.on('error', (error) => output.push(`failed to start: ${error.message}`));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not report its port within ${timeoutMs} ms`)), timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n${output.join('\n')}`));
    };
    exited.then((code) => fail(new Error(`${name} exited with code ${code} before listening`)));

    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        // Enough to diagnose a failure; a long-running service's log is not kept in memory.
        if (output.length > MAX_KEPT_LINES) output.splice(0, output.length - MAX_KEPT_LINES);
        onLine?.(line);
        const port = listeningPort(line);
        if (port === undefined) return;
        clearTimeout(timer);
        resolve({
          name,
          port,
          origin: `http://127.0.0.1:${port}`,
          child,
          output,
          exited,
          ended,
          stop: (graceMs) => stopChild(child, graceMs),
        });
      });
    }
  });
}

function listeningPort(line: string): number | undefined {
  if (!line.includes('"listening"')) return undefined;
  try {
    const entry = JSON.parse(line);
    return entry.msg === 'listening' && typeof entry.port === 'number' ? entry.port : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `GET /ready` until it answers 200; rejects after `timeoutMs`. */
export async function waitUntilReady(origin: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${origin}/ready did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const ended = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const exited = ended.then(({ code }) => code);
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
  const code = await exited;
  clearTimeout(kill);
  return code;
}
