import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopChild } from '../../tooling/processes';
import { freePort } from './ports';

export interface Prometheus {
  origin: string;
  /** An instant query through the HTTP API: its result vector. */
  query(promql: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]>;
  /** Polls `query` until `done` holds of its result; rejects after `timeoutMs`. */
  waitFor(promql: string, done: (result: Awaited<ReturnType<Prometheus['query']>>) => boolean, timeoutMs?: number): Promise<Awaited<ReturnType<Prometheus['query']>>>;
  stop(): Promise<void>;
}

/**
 * A real Prometheus (Debian's `prometheus`) on a free port, with its own storage in a temporary
 * folder, scraping `targets` (job name → `host:port`) every second; resolves once it is ready.
 */
export async function startPrometheus(targets: Record<string, string>): Promise<Prometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  const jobs = Object.entries(targets)
    .map(([job, target]) => `  - job_name: ${job}\n    static_configs:\n      - targets: ['${target}']`)
    .join('\n');
  writeFileSync(config, `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${jobs}\n`);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const output: string[] = [];
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (chunk) => output.push(String(chunk)));
  const stop = async () => {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    const ready = await fetch(`${origin}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus did not become ready:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const query: Prometheus['query'] = async (promql) => {
    const response = await fetch(`${origin}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: Awaited<ReturnType<Prometheus['query']>> } };
    if (body.status !== 'success') throw new Error(`prometheus refused ${promql}: ${body.error}`);
    return body.data.result;
  };
  return {
    origin,
    query,
    async waitFor(promql, done, timeoutMs = 30_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const result = await query(promql);
        if (done(result)) return result;
        if (Date.now() > until) throw new Error(`${promql} never matched; last result ${JSON.stringify(result)}`);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    },
    stop,
  };
}
