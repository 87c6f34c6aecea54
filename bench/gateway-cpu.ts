/**
 * `npm run bench:gateway`: bff-web's CPU time per request on varied traffic, for comparing
 * versions of the gateway's code (and the peers) side by side on one scratch graph. Starts a
 * scratch graph (embedded PostgreSQL, 300 users, 3,000 posts, 6,300 media), then one bff-web
 * process per `--variant name=dir` (a checkout of this repository whose node_modules resolve;
 * default: this one), and optionally the stock @apollo/gateway and Hive Gateway peers, all over
 * the same subgraphs. Every target serves every workload; rounds interleave the targets (the
 * order rotates each round), so a change of the machine's load falls on all of them alike.
 *
 *   npm run bench:gateway -- --variant before=/tmp/base --variant after=. --rounds 4 --duration 8
 *
 * Workloads (anonymous, `Cache-Control: no-cache` to the BFFs, so the response cache is skipped;
 * each request picks its variables at random):
 *   posts   the web feed's page: 20 posts after one of up to 30 cursors (one per 100 posts), author with avatar, media, cover
 *   detail  one post of 2,000: body, author with avatar, media
 *   deep    five fetch levels: posts → cover image → its owner → the owner's posts → their media → owner
 *   mixed   the three above, 50/30/20
 * Per target and workload: requests, req/s, the serving process's CPU ms per request (from
 * /proc, user + system), subgraph calls per request (bff-web's own metrics) and SQL statements per
 * request (the subgraphs' counters). The 1-minute load average is printed with each round:
 * other work on the machine moves req/s far more than CPU per request. Figures, not a test.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { portVariable, SUBGRAPHS, type SubgraphName } from '../lib/config/env';
import { subgraphUrlVariable } from '../lib/config/subgraph-urls';
import { gatewayKeyEnv } from '../lib/identity/keys';
import { createLogger } from '../lib/telemetry/logger';
import { withScratchGraph } from '../tooling/scratch-graph';
import { waitUntilReady } from '../tooling/processes';
import { cpuMs } from './process-cpu';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', multiple: true, default: [] },
    peers: { type: 'string', default: '' },
    workloads: { type: 'string', default: 'posts,detail,deep,mixed' },
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '8' },
    warmup: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    /** Write V8 CPU profiles of each bff-web variant (at its exit) into <folder>/<variant>: the main thread's is the largest. */
    profile: { type: 'string' },
  },
});
const CONNECTIONS = Number(values.connections);
const DURATION_S = Number(values.duration);
const WARMUP_S = Number(values.warmup);
const ROUNDS = Number(values.rounds);
const logger = createLogger('bench');

const POSTS_PAGE = `query PostsPage($after: String) { posts(first: 20, after: $after) { nodes { id title publishedAt author { id handle displayName avatar { url(size: THUMB) } } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } pageInfo { endCursor hasNextPage } } }`;
const POST_DETAIL = `query PostDetail($id: ID!) { post(id: $id) { id title bodyHtml publishedAt author { id handle displayName avatar { url(size: SMALL) } } media { id kind alt width height url(size: LARGE) } } }`;
const DEEP = `query Deep($after: String) { posts(first: 10, after: $after) { nodes { id title coverImage { id owner { handle posts(first: 3) { nodes { id title media { id url(size: SMALL) owner { handle displayName avatar { url(size: THUMB) } } } } } } } author { handle avatar { url(size: THUMB) } } } } }`;

interface Target {
  name: string;
  url: string;
  pid: number;
  /** bff-web's own /metrics, for its subgraph calls; absent for the peers. */
  metrics?: string;
  bff: boolean;
}

interface Sample {
  requests: number;
  seconds: number;
  cpuMs: number;
  errors: number;
  calls: number;
  statements: number;
}

function spawnListening(args: string[], env: NodeJS.ProcessEnv, cwd: string, adopt: (child: ChildProcess) => void): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { env, cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  adopt(child);
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.includes('"listening"')) return;
      try {
        const port = JSON.parse(line).port;
        if (typeof port === 'number') resolve({ child, port });
      } catch {
        // not the line
      }
    });
  });
}

async function main() {
  const variants = (values.variant.length ? values.variant : ['current=.']).map((v) => {
    const [name, dir] = v.split('=');
    return { name, dir: path.resolve(dir) };
  });
  const peers = values.peers.split(',').filter(Boolean);
  const workloads = values.workloads.split(',').filter(Boolean);
  if (values.profile) mkdirSync(values.profile, { recursive: true });
  await withScratchGraph(logger, { size: { users: 300, postsPerUser: 10, mediaPerPost: 2 }, bffEnv: { NODE_ENV: 'production', WEB_PUBLIC_ORIGIN: 'http://127.0.0.1' }, startTimeoutMs: 180_000 }, async (graph) => {
    const subgraphUrls = Object.fromEntries(Object.values(graph.subgraphs).map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`]));
    const targets: Target[] = [];
    for (const { name, dir } of variants) {
      const env = {
        ...process.env,
        ...gatewayKeyEnv(graph.gatewayKey).bff,
        ...subgraphUrls,
        LOG_LEVEL: 'warn',
        NODE_ENV: 'production',
        WEB_PUBLIC_ORIGIN: 'http://127.0.0.1',
        [portVariable('bff-web')]: '0',
      };
      const profile = values.profile ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(values.profile, name)}`] : [];
      const { child, port } = await spawnListening([...profile, '--import', 'tsx', path.join(dir, 'bff-web/index.ts')], env, dir, graph.adopt);
      const origin = `http://127.0.0.1:${port}`;
      await waitUntilReady(origin, 180_000);
      targets.push({ name: `bff-web ${name}`, url: `${origin}/graphql`, pid: child.pid!, metrics: `${origin}/metrics`, bff: true });
    }
    const peerEnv = { ...process.env, GATEWAY_SIGNING_KEY: graph.gatewayKey, ...subgraphUrls };
    if (peers.includes('stock')) {
      const { child, port } = await spawnListening(['--import', 'tsx', path.join(__dirname, 'stock-gateway.ts')], peerEnv, process.cwd(), graph.adopt);
      targets.push({ name: 'stock @apollo/gateway', url: `http://127.0.0.1:${port}/`, pid: child.pid!, bff: false });
    }
    if (peers.includes('hive')) {
      const dir = path.join(__dirname, 'hive');
      if (!existsSync(path.join(dir, 'node_modules', '@graphql-hive', 'gateway'))) execSync('npm ci --no-audit --no-fund --loglevel=error', { cwd: dir, stdio: 'inherit' });
      const { child, port } = await spawnListening(['--import', 'tsx', path.join(dir, 'gateway.ts')], peerEnv, dir, graph.adopt);
      targets.push({ name: 'Hive Gateway', url: `http://127.0.0.1:${port}/graphql`, pid: child.pid!, bff: false });
    }

    // Variables: a cursor every 100 posts of the feed, 2,000 published posts for the detail.
    const first = targets[0];
    const ask = async (target: Target, query: string, variables: Record<string, unknown>) => {
      const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' }, body: JSON.stringify({ query, variables }) });
      return (await response.json()) as { data?: any; errors?: unknown[] };
    };
    const cursors: (string | null)[] = [null];
    for (let after: string | null = null; cursors.length < 100; ) {
      const page = await ask(first, 'query($after: String) { posts(first: 100, after: $after) { pageInfo { endCursor hasNextPage } } }', { after });
      const info = page.data.posts.pageInfo;
      if (!info.hasNextPage) break;
      after = info.endCursor as string;
      cursors.push(after);
    }
    const postIds = graph.plan.posts.filter((p) => p.status === 'PUBLISHED').slice(0, 2000).map((p) => p.id);
    const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
    const bodies: Record<string, () => string> = {
      posts: () => JSON.stringify({ query: POSTS_PAGE, variables: { after: pick(cursors) } }),
      detail: () => JSON.stringify({ query: POST_DETAIL, variables: { id: pick(postIds) } }),
      deep: () => JSON.stringify({ query: DEEP, variables: { after: pick(cursors) } }),
    };
    bodies.mixed = () => {
      const r = Math.random();
      return r < 0.5 ? bodies.posts() : r < 0.8 ? bodies.detail() : bodies.deep();
    };

    // Every target answers every workload in full before anything is measured.
    for (const target of targets) {
      for (const workload of ['posts', 'detail', 'deep']) {
        const body = JSON.parse(bodies[workload]());
        const answer = await ask(target, body.query, body.variables);
        if (answer.errors || !answer.data) throw new Error(`${target.name} does not answer ${workload}: ${JSON.stringify(answer).slice(0, 400)}`);
      }
    }

    const subgraphCalls = async (target: Target) => {
      if (!target.metrics) return NaN;
      const text = await (await fetch(target.metrics)).text();
      return [...text.matchAll(/^subgraph_request_duration_seconds_count\{[^}]*\} (\d+)/gm)].reduce((a, m) => a + Number(m[1]), 0);
    };
    const statements = async () => {
      const counts = await Promise.all(
        SUBGRAPHS.map(async (name: SubgraphName) => {
          const text = await (await fetch(`${graph.subgraphs[name].origin}/metrics`)).text();
          return Number(/db_statements_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? NaN);
        }),
      );
      return counts.reduce((a, b) => a + b, 0);
    };
    const load = (target: Target, workload: string, duration: number) =>
      autocannon({
        url: target.url,
        method: 'POST',
        connections: CONNECTIONS,
        duration,
        headers: { 'content-type': 'application/json', ...(target.bff && { 'cache-control': 'no-cache' }) },
        requests: [{ setupRequest: (request) => ({ ...request, body: bodies[workload]() }) }],
      });

    const samples = new Map<string, Sample[]>();
    for (const workload of workloads) {
      for (const target of targets) await load(target, workload, WARMUP_S);
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
      logger.warn({ round: round + 1, loadavg }, 'round');
      for (const workload of workloads) {
        const order = targets.map((_, i) => targets[(i + round) % targets.length]);
        for (const target of order) {
          const [calls0, sql0, cpu0] = [await subgraphCalls(target), await statements(), cpuMs(target.pid)];
          const result = await load(target, workload, DURATION_S);
          const [calls1, sql1, cpu1] = [await subgraphCalls(target), await statements(), cpuMs(target.pid)];
          const key = `${workload}\t${target.name}`;
          if (!samples.has(key)) samples.set(key, []);
          samples.get(key)!.push({
            requests: result.requests.total,
            seconds: result.duration,
            cpuMs: cpu1 - cpu0,
            errors: result.errors + result.timeouts + result.non2xx,
            calls: calls1 - calls0,
            statements: sql1 - sql0,
          });
          const s = samples.get(key)!.at(-1)!;
          logger.warn({ workload, target: target.name, rps: +(s.requests / s.seconds).toFixed(1), cpuMsPerRequest: +(s.cpuMs / s.requests).toFixed(2), loadavg: readFileSync('/proc/loadavg', 'utf8').split(' ')[0] }, 'measured');
        }
      }
    }

    const lines = [
      `gateway-cpu: ${CONNECTIONS} connections, ${ROUNDS} rounds × ${DURATION_S} s per target and workload after ${WARMUP_S} s of warm-up; ${os.cpus().length} cores, ${os.cpus()[0]?.model}, Node ${process.version}; load average at the end ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
      '',
      '| workload | target | requests | req/s (per round) | CPU ms/request (per round) | subgraph calls/request | SQL/request | errors |',
      '| --- | --- | ---: | --- | --- | ---: | ---: | ---: |',
    ];
    for (const [key, list] of samples) {
      const [workload, target] = key.split('\t');
      const requests = list.reduce((a, s) => a + s.requests, 0);
      const seconds = list.reduce((a, s) => a + s.seconds, 0);
      const cpu = list.reduce((a, s) => a + s.cpuMs, 0);
      lines.push(
        `| ${workload} | ${target} | ${requests} | ${(requests / seconds).toFixed(0)} (${list.map((s) => (s.requests / s.seconds).toFixed(0)).join(', ')}) | **${(cpu / requests).toFixed(2)}** (${list.map((s) => (s.cpuMs / s.requests).toFixed(2)).join(', ')}) | ${(list.reduce((a, s) => a + s.calls, 0) / requests).toFixed(2)} | ${(list.reduce((a, s) => a + s.statements, 0) / requests).toFixed(2)} | ${list.reduce((a, s) => a + s.errors, 0)} |`,
      );
    }
    process.stdout.write(`\n${lines.join('\n')}\n`);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
