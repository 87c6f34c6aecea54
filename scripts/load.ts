/**
 * `npm run load`: a load test that holds. Starts its own graph (embedded PostgreSQL in a temporary
 * folder, every service on a free loopback port), seeds it, then drives both BFFs with a mix of
 * the apps' requests for a fixed time and at most a fixed number of requests. Media is stopped at
 * 40% of the run and started again at 60%. Reports throughput, latency percentiles, outcomes, the
 * memory of every service, and whether every write is there exactly when it was reported done.
 *
 *   npm run load -- --duration 30 --connections 16 --max-requests 200000
 *
 * Only loopback addresses are used. Nothing here is a test: it reports figures.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MobileClient } from '../bff-mobile/client/client';
import { createLogger } from '../lib/telemetry/logger';
import { withScratchGraph } from '../tooling/scratch-graph';
import { DEMO_PASSWORD } from '../tooling/seed-plan';

const { values } = parseArgs({
  options: { duration: { type: 'string', default: '30' }, connections: { type: 'string', default: '16' }, 'max-requests': { type: 'string', default: '200000' } },
});
const DURATION_MS = Number(values.duration) * 1000;
const CONNECTIONS = Number(values.connections);
const MAX_REQUESTS = Number(values['max-requests']);
const logger = createLogger('load');

type Outcome = 'ok' | 'media-masked' | 'failed';
interface Sample {
  scenario: string;
  ms: number;
  outcome: Outcome;
  at: number;
}

/** ok: no errors; media-masked: the only errors are masked media failures; failed: anything else. */
function classify(status: number, body: { data?: unknown; errors?: { extensions?: { code?: string; serviceName?: string } }[] }): Outcome {
  if (status !== 200 || !body.data) return 'failed';
  if (!body.errors?.length) return 'ok';
  return body.errors.every((e) => e.extensions?.serviceName === 'media' && /^SUBGRAPH_/.test(e.extensions.code ?? '')) ? 'media-masked' : 'failed';
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round(kb / 1024);
  } catch {
    return NaN;
  }
}

async function main() {
  await withScratchGraph(logger, { size: { users: 50, postsPerUser: 10, mediaPerPost: 2 } }, async (graph) => {
    const { plan } = graph;
    const web = graph.web.origin;
    const authors = plan.users.filter((u) => u.role !== 'READER').slice(0, 8);
    const writers = await Promise.all(
      authors.map(async (u) => {
        const client = new MobileClient({ baseUrl: graph.mobile.origin });
        await client.signIn(u.email, DEMO_PASSWORD);
        return client;
      }),
    );
    const postIds = plan.posts.filter((p) => p.status === 'PUBLISHED').map((p) => p.id);
    const handles = plan.users.map((u) => u.handle);
    const pick = <T>(items: T[]) => items[Math.floor(Math.random() * items.length)];

    const post = async (origin: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
      const response = await fetch(`${origin}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });
      return classify(response.status, (await response.json()) as Parameters<typeof classify>[1]);
    };
    const mobile = async (name: 'Feed' | 'Profile', variables: Record<string, unknown>) => {
      try {
        const result = await new MobileClient({ baseUrl: graph.mobile.origin }).execute(name, variables);
        return result.errors.length === 0 ? 'ok' : classify(200, { data: result.data, errors: result.errors as never });
      } catch {
        return 'failed' as Outcome;
      }
    };
    const writes: { title: string; id?: string; ok: boolean }[] = [];
    let written = 0;
    // The mix: what the two apps do most, and a few writes.
    const scenarios: [string, number, () => Promise<Outcome>][] = [
      ['mobile feed', 40, () => mobile('Feed', { first: 10 })],
      ['web posts page', 20, () => post(web, `{ posts(first: 20) { nodes { id title author { handle avatar { url(size: THUMB) } } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } pageInfo { endCursor } } }`)],
      ['web post detail', 15, () => post(web, `query($id: ID!) { post(id: $id) { title bodyHtml publishedAt author { handle displayName } media { url(size: LARGE) alt width height } } }`, { id: pick(postIds) })],
      ['mobile profile', 15, () => mobile('Profile', { handle: pick(handles), first: 10 })],
      ['mobile write', 10, async () => {
        const title = `load ${process.pid} ${++written}`;
        try {
          const created = await pick(writers).createPost(title, 'written under load');
          writes.push({ title, id: created.id, ok: true });
          return 'ok';
        } catch {
          writes.push({ title, ok: false });
          return 'failed';
        }
      }],
    ];
    const totalWeight = scenarios.reduce((sum, [, w]) => sum + w, 0);
    const choose = () => {
      let r = Math.random() * totalWeight;
      for (const scenario of scenarios) if ((r -= scenario[1]) < 0) return scenario;
      return scenarios[0];
    };

    // Warm-up: caches, query plans, connections; not recorded.
    const warmUntil = Date.now() + 5_000;
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < warmUntil) await choose()[2]();
    }));

    const services = () => ({ ...graph.subgraphs, 'bff-web': graph.web, 'bff-mobile': graph.mobile });
    const memory: Record<string, number[]> = {};
    const sampleMemory = () => {
      for (const [name, service] of Object.entries(services())) (memory[name] ??= []).push(rssMb(service.child.pid));
    };
    sampleMemory();
    const memoryTimer = setInterval(sampleMemory, 1_000);

    const samples: Sample[] = [];
    const started = Date.now();
    const deadline = started + DURATION_MS;
    const events: string[] = [];
    const chaos = (async () => {
      await new Promise((r) => setTimeout(r, DURATION_MS * 0.4));
      events.push(`${((Date.now() - started) / 1000).toFixed(1)} s: media stopped`);
      await graph.subgraphs.media.stop();
      await new Promise((r) => setTimeout(r, DURATION_MS * 0.2));
      await graph.restart('media');
      events.push(`${((Date.now() - started) / 1000).toFixed(1)} s: media ready again`);
    })();
    let issued = 0;
    await Promise.all(Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < deadline && issued < MAX_REQUESTS) {
        issued++;
        const [scenario, , run] = choose();
        const t0 = performance.now();
        const outcome = await run().catch((): Outcome => 'failed');
        samples.push({ scenario, ms: performance.now() - t0, outcome, at: Date.now() - started });
      }
    }));
    await chaos;
    clearInterval(memoryTimer);
    const elapsed = (Date.now() - started) / 1000;

    // Every write reported done is there once; every refused one is absent.
    const titles = new Map<string, number>();
    for (let after: string | null = null, more = true; more; ) {
      const response = await fetch(`${web}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: 'query($after: String) { posts(first: 100, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } } }', variables: { after } }),
      });
      const page = ((await response.json()) as { data: { posts: { nodes: { title: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } }).data.posts;
      for (const node of page.nodes) titles.set(node.title, (titles.get(node.title) ?? 0) + 1);
      more = page.pageInfo.hasNextPage;
      after = page.pageInfo.endCursor;
    }
    const lost = writes.filter((w) => w.ok && titles.get(w.title) !== 1).length;
    const phantom = writes.filter((w) => !w.ok && titles.has(w.title)).length;

    // Report.
    const lines: string[] = [];
    const row = (cells: (string | number)[]) => lines.push(`| ${cells.join(' | ')} |`);
    const summarise = (name: string, list: Sample[]) => {
      const ms = list.map((s) => s.ms).sort((a, b) => a - b);
      const count = (o: Outcome) => list.filter((s) => s.outcome === o).length;
      row([name, list.length, (list.length / elapsed).toFixed(0), percentile(ms, 50).toFixed(1), percentile(ms, 95).toFixed(1), percentile(ms, 99).toFixed(1), count('ok'), count('media-masked'), count('failed')]);
    };
    lines.push(`Load: ${CONNECTIONS} connections, ${elapsed.toFixed(1)} s, ${samples.length} requests (cap ${MAX_REQUESTS}); ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}.`);
    lines.push('');
    row(['scenario', 'requests', 'req/s', 'p50 ms', 'p95 ms', 'p99 ms', 'ok', 'media masked', 'failed']);
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']);
    for (const [name] of scenarios) summarise(name, samples.filter((s) => s.scenario === name));
    summarise('**all**', samples);
    lines.push('');
    lines.push(`Events: ${events.join('; ')}.`);
    const bucket = Math.max(1, Math.round(DURATION_MS / 10_000)) * 1000;
    const timeline: string[] = [];
    for (let from = 0; from < elapsed * 1000; from += bucket) {
      const slice = samples.filter((s) => s.at >= from && s.at < from + bucket);
      timeline.push(`${from / 1000}–${(from + bucket) / 1000} s: ${slice.filter((s) => s.outcome === 'media-masked').length}/${slice.length} masked`);
    }
    lines.push(`Timeline: ${timeline.join(', ')}.`);
    lines.push(`Writes: ${writes.filter((w) => w.ok).length} reported done, ${writes.filter((w) => !w.ok).length} refused; lost ${lost}, applied though refused ${phantom}.`);
    lines.push('');
    row(['service', 'RSS after warm-up (MB)', 'RSS at half time (MB)', 'RSS at the end (MB)']);
    row(['---', '---:', '---:', '---:']);
    const mb = (n: number | undefined) => (Number.isFinite(n) ? String(n) : '— (stopped)');
    for (const [name, series] of Object.entries(memory)) row([name, mb(series[0]), mb(series[Math.floor(series.length / 2)]), mb(series.at(-1))]);
    const report = lines.join('\n');
    process.stdout.write(`\n${report}\n`);
    mkdirSync(path.resolve(__dirname, '..', 'test-output'), { recursive: true });
    writeFileSync(path.resolve(__dirname, '..', 'test-output', 'load-report.md'), `${report}\n`);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
