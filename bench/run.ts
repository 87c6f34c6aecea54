/**
 * `npm run bench`: a reproducible benchmark of bff-web against the gateways a user would pick
 * instead (a stock @apollo/gateway, bench/stock-gateway.ts, and Hive Gateway, bench/hive, installed
 * on first use into that bench-only workspace), over the same subgraphs and supergraph. Starts its
 * own graph (embedded PostgreSQL in a temporary folder, every service on a free loopback port,
 * logging at warn, every service with NODE_ENV=production as the image runs it), seeds 1,000 users, 10,000 posts (9,000 published) and 21,000 media records,
 * then measures each scenario with autocannon from this process: warm-up, then a measured run.
 *
 *   npm run bench -- --scenarios varied --duration 10 --warmup 5 --connections 32 --json out.json
 *
 * The headline is the varied workloads (bench/workloads.ts): every target gets the same
 * deterministic sequence of requests, and every answer is checked against the seed (a fast wrong
 * answer is a failure):
 *   W1 the posts page after a cursor drawn from 400 real cursors, and the reference: the posts
 *      subgraph alone serving its part of the page;
 *   W2 a deep query five fetch levels down with varied arguments;
 *   W3 one post's detail by an id drawn from 1,500 published posts.
 * Then the best case, one identical query from every connection, which the BFFs and Hive share in
 * flight (deduplicated): B1–B4 as before. For each run: req/s, p50/p99, failures, CPU time per
 * request of every process (the gateway, each subgraph, PostgreSQL: the postmaster and all its
 * backends, from /proc), SQL statements per request per database, and memory at the end.
 *
 * Options: --scenarios all|varied|identical|W1,W2,... (default all), --passes N (default 2: the
 * second in reverse order), --duration, --warmup (s), --connections, --json FILE. Figures, not a test.
 */
import { randomBytes } from 'node:crypto';
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type PlanNode, type SubscriptionNode } from '@apollo/query-planner';
import autocannon from 'autocannon';
import { parse } from 'graphql';
import pg from 'pg';
import { MobileClient } from '../bff-mobile/client/client';
import { readManifest } from '../bff-mobile/safelist';
import { SUBGRAPHS, type SubgraphName } from '../lib/config/env';
import { subgraphUrlVariable } from '../lib/config/subgraph-urls';
import { SUPERGRAPH_SDL } from '../lib/graphql/composition';
import { ASSERTION_HEADER, assertionSigner } from '../lib/identity/assertion';
import { signingKeyFrom } from '../lib/identity/keys';
import { createLogger } from '../lib/telemetry/logger';
import { withScratchGraph } from '../tooling/scratch-graph';
import { cpuMs, postgresCpuMs, postgresMemoryMb, postmasterUnder, rssMb } from './process-cpu';
import { renderSummary, type Proc, type Summary, type SummaryRow } from './report';
import { DEEP_QUERY, deepWorkload, detailWorkload, Expectations, identicalWorkload, pageWorkload, type PostsOrder, type WorkItem } from './workloads';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '10' },
    passes: { type: 'string', default: '2' },
    scenarios: { type: 'string', default: 'all' },
    json: { type: 'string' },
  },
});
const positive = (name: string, text: string | undefined) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number, not ${text}`);
  return n;
};
const WARMUP_S = Number(values.warmup);
if (!(WARMUP_S >= 0)) throw new Error(`--warmup must be a number of seconds ≥ 0, not ${values.warmup}`);
const CONNECTIONS = positive('connections', values.connections);
const DURATION_S = positive('duration', values.duration);
const PASSES = positive('passes', values.passes);
const logger = createLogger('bench');

/** Varied workloads' sizes: cursors and ids drawn from, and requests in each sequence (it wraps). */
const CURSORS = 400;
const DETAIL_IDS = 1500;
const SEQUENCE = 20_000;

const VARIED = ['W1', 'W2', 'W3'];
const IDENTICAL = ['B1', 'B2', 'B2c', 'B3', 'B3c', 'B4'];
const wanted = new Set(
  values.scenarios!.split(',').flatMap((s) => {
    const key = s.trim();
    if (key === 'all') return [...VARIED, ...IDENTICAL];
    if (key === 'varied') return VARIED;
    if (key === 'identical') return IDENTICAL;
    const match = [...VARIED, ...IDENTICAL].find((id) => id.toLowerCase() === key.toLowerCase());
    if (!match) throw new Error(`--scenarios: unknown scenario ${key}; use all, varied, identical or a list of ${[...VARIED, ...IDENTICAL].join(', ')}`);
    return [match];
  }),
);

type Peer = 'bff-web' | 'stock' | 'hive' | 'reference' | 'bff-mobile';
/** The processes whose CPU and memory are reported for every run. */
const PROCS: Proc[] = ['gateway', ...SUBGRAPHS, 'postgres'];

interface Target {
  scenario: string;
  peer: Peer;
  name: string;
  url: string;
  /** The process that serves it (the gateway, or the posts subgraph for the reference). */
  pid: number | undefined;
  headers: () => Promise<Record<string, string>>;
  items: WorkItem[];
}

/** One measured run of one target. */
interface Run {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Transport errors and timeouts, non-2xx answers, and 2xx answers that are wrong or incomplete. */
  failures: { errors: number; non2xx: number; wrong: number };
  statements: Record<SubgraphName, number>;
  cpuMs: Record<Proc, number>;
}

/** Starts a peer gateway (a tsx script) on a free port; resolves with the process and its URL. */
async function startPeer(script: string, env: Record<string, string>, adopt: (child: ChildProcess) => void, cwd?: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], cwd });
  adopt(child);
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${path.basename(script)} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"listening"')) resolve(JSON.parse(line).port);
    });
  });
  return { child, port };
}

/** Hive Gateway lives in its own workspace, installed (from the npm registry, locked) on first use. */
function installHive(): string {
  const dir = path.join(__dirname, 'hive');
  if (!existsSync(path.join(dir, 'node_modules', '@graphql-hive', 'gateway'))) {
    logger.info('installing Hive Gateway into bench/hive (first run only)');
    execSync('npm ci --no-audit --no-fund --loglevel=error', { cwd: dir, stdio: 'inherit' });
  }
  return dir;
}

/** Fetch nodes and sequential levels of Apollo's query plan for `query` (the planner bff-web and the stock gateway share). */
function apolloPlan(query: string): { fetches: number; levels: number } {
  const supergraph = Supergraph.build(readFileSync(SUPERGRAPH_SDL, 'utf8'));
  const plan = new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(query)));
  const walk = (node: PlanNode | SubscriptionNode | undefined): { fetches: number; levels: number } => {
    if (!node) return { fetches: 0, levels: 0 };
    switch (node.kind) {
      case 'Fetch':
        return { fetches: 1, levels: 1 };
      case 'Flatten':
        return walk(node.node);
      case 'Sequence': {
        const parts = node.nodes.map(walk);
        return { fetches: parts.reduce((a, p) => a + p.fetches, 0), levels: parts.reduce((a, p) => a + p.levels, 0) };
      }
      case 'Parallel': {
        const parts = node.nodes.map(walk);
        return { fetches: parts.reduce((a, p) => a + p.fetches, 0), levels: Math.max(0, ...parts.map((p) => p.levels)) };
      }
      default:
        throw new Error(`unexpected plan node ${node.kind}`);
    }
  };
  return walk(plan.node);
}

async function main() {
  const hiveDir = installHive();
  // A loaded machine can take more than the default 30 s to start a service.
  await withScratchGraph(logger, { size: { users: 1000, postsPerUser: 10, mediaPerPost: 2 }, startTimeoutMs: 120_000, subgraphEnv: { NODE_ENV: 'production', CURSOR_SECRET: randomBytes(32).toString('hex') }, bffEnv: { NODE_ENV: 'production', MOBILE_SAFELIST: 'false', WEB_PUBLIC_ORIGIN: 'http://127.0.0.1' } }, async (graph) => {
    const { plan, gatewayKey } = graph;
    // A bulk load leaves every table for autovacuum to visit during the first runs, which is the
    // database's CPU, not the requests'; settle it first, as a database in service is.
    for (const url of Object.values(graph.urls)) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query('VACUUM (ANALYZE)');
      } finally {
        await client.end();
      }
    }
    const postmaster = postmasterUnder(process.env.DATA_DIR!);
    if (!postmaster) throw new Error('no postmaster.pid under the scratch data directory');
    // The peers: a stock @apollo/gateway and Hive Gateway, over the same subgraphs and supergraph.
    const peerEnv = {
      GATEWAY_SIGNING_KEY: gatewayKey,
      ...Object.fromEntries(Object.values(graph.subgraphs).map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`])),
    };
    const stock = await startPeer(path.join(__dirname, 'stock-gateway.ts'), peerEnv, graph.adopt);
    const hive = await startPeer(path.join(hiveDir, 'gateway.ts'), peerEnv, graph.adopt, hiveDir);
    const stockUrl = `http://127.0.0.1:${stock.port}/`;
    const hiveUrl = `http://127.0.0.1:${hive.port}/graphql`;
    const webUrl = `${graph.web.origin}/graphql`;

    // The bench's only use of the assertion signer: calls straight to a subgraph, as the gateways sign theirs.
    const sign = assertionSigner(await signingKeyFrom(gatewayKey, 'bench'), 'bench');
    const asGateway = async () => ({ [ASSERTION_HEADER]: await sign('posts', null) }); // only ever sent to the posts subgraph
    const none = async () => ({});
    const uncached = async () => ({ 'cache-control': 'no-cache' });

    // The posts list in the graph's own order, with every edge's cursor (sealed by the posts subgraph).
    const order: PostsOrder = { ids: [], cursors: [] };
    for (let after: string | null = null; ; ) {
      const response = await fetch(webUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' },
        body: JSON.stringify({ query: 'query All($after: String) { posts(first: 100, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }', variables: { after } }),
      });
      const body = (await response.json()) as { data?: { posts: { edges: { cursor: string; node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } } };
      if (!body.data) throw new Error(`collecting cursors: ${JSON.stringify(body).slice(0, 300)}`);
      for (const edge of body.data.posts.edges) order.ids.push(edge.node.id), order.cursors.push(edge.cursor);
      if (!body.data.posts.pageInfo.hasNextPage) break;
      after = body.data.posts.pageInfo.endCursor;
    }
    logger.info({ posts: order.ids.length }, 'collected the posts list and its cursors');
    const expect = new Expectations(plan);

    const targets: Target[] = [];
    const add = (scenario: string, peer: Peer, name: string, url: string, pid: number | undefined, headers: () => Promise<Record<string, string>>, items: WorkItem[]) => {
      if (wanted.has(scenario)) targets.push({ scenario, peer, name, url, pid, headers, items });
    };
    const gateways = (scenario: string, label: string, items: WorkItem[]) => {
      add(scenario, 'bff-web', `${scenario} bff-web: ${label}`, webUrl, graph.web.child.pid, uncached, items);
      add(scenario, 'stock', `${scenario} stock @apollo/gateway: ${label}`, stockUrl, stock.child.pid, none, items);
      add(scenario, 'hive', `${scenario} Hive Gateway: ${label}`, hiveUrl, hive.child.pid, none, items);
    };
    const postsUrl = `${graph.subgraphs.posts.origin}/graphql`;
    if (wanted.has('W1')) {
      gateways('W1', 'posts page, 20 posts × author, avatar, media, cover, varied cursor', pageWorkload(expect, order, { length: SEQUENCE, cursorCount: CURSORS }));
      add('W1', 'reference', 'W1 reference: posts subgraph alone, its part of the page', postsUrl, graph.subgraphs.posts.child.pid, asGateway, pageWorkload(expect, order, { length: SEQUENCE, cursorCount: CURSORS, postsOnly: true }));
    }
    if (wanted.has('W2')) gateways('W2', 'deep query, 5 fetch levels, varied arguments', deepWorkload(expect, order, { length: SEQUENCE, cursorCount: CURSORS }));
    if (wanted.has('W3')) gateways('W3', "one post's detail, varied id", detailWorkload(expect, order, { length: SEQUENCE, idCount: DETAIL_IDS }));

    // The best case, kept from the first form of this bench: one identical query from every connection.
    const page = (first: number) => JSON.stringify({ query: `{ posts(first: ${first}) { nodes { id title author { handle displayName } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } } }` });
    const feed = readManifest().operations.find((op) => op.name === 'Feed')!;
    if (wanted.has('B3') || wanted.has('B3c')) await new MobileClient({ baseUrl: graph.mobile.origin }).feed(20); // registers the persisted query
    const mobileFeed = JSON.stringify({ operationName: 'Feed', variables: { first: 20 }, extensions: { persistedQuery: { version: 1, sha256Hash: feed.id } } });
    const mobileUrl = `${graph.mobile.origin}/graphql`;
    add('B1', 'reference', 'B1 (best case: identical queries, deduplicated) posts subgraph alone: posts(first: 20)', postsUrl, graph.subgraphs.posts.child.pid, asGateway, identicalWorkload(JSON.stringify({ query: '{ posts(first: 20) { nodes { id title bodyHtml publishedAt } } }' })));
    add('B2', 'bff-web', 'B2 (best case: identical queries, deduplicated) bff-web: 20 posts × author × media', webUrl, graph.web.child.pid, uncached, identicalWorkload(page(20)));
    add('B2', 'stock', 'B2 (best case: identical queries, deduplicated) stock @apollo/gateway, same query', stockUrl, stock.child.pid, none, identicalWorkload(page(20)));
    add('B2', 'hive', 'B2 (best case: identical queries, deduplicated) Hive Gateway, same query', hiveUrl, hive.child.pid, none, identicalWorkload(page(20)));
    add('B2c', 'bff-web', 'B2c (best case: identical queries, deduplicated) bff-web: same query, anonymous, response cache', webUrl, graph.web.child.pid, none, identicalWorkload(page(20)));
    add('B3', 'bff-mobile', 'B3 (best case: identical queries, deduplicated) bff-mobile: feed, 20 cards, persisted query', mobileUrl, graph.mobile.child.pid, uncached, identicalWorkload(mobileFeed));
    add('B3c', 'bff-mobile', 'B3c (best case: identical queries, deduplicated) bff-mobile: same feed, anonymous, response cache', mobileUrl, graph.mobile.child.pid, none, identicalWorkload(mobileFeed));
    for (const first of [10, 50, 100]) add('B4', 'bff-web', `B4 (best case: identical queries, deduplicated) bff-web: heavy page, ${first} posts`, webUrl, graph.web.child.pid, uncached, identicalWorkload(page(first)));
    if (targets.length === 0) throw new Error('--scenarios selected nothing');

    // Every target answers its first requests in full (the cursors work everywhere) before anything is measured.
    const send = async (target: Target, item: WorkItem) => {
      const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await target.headers()) }, body: item.body });
      const text = await response.text();
      if (!response.ok) return `HTTP ${response.status}: ${text.slice(0, 200)}`;
      return item.check(JSON.parse(text));
    };
    for (const target of targets) {
      for (const item of target.items.slice(0, 5)) {
        const problem = await send(target, item);
        if (problem) throw new Error(`${target.name} does not answer correctly: ${problem}`);
      }
    }

    const metrics = async (): Promise<{ statements: Record<SubgraphName, number>; operations: Record<SubgraphName, number> }> => {
      const texts = await Promise.all(SUBGRAPHS.map(async (name) => (await fetch(`${graph.subgraphs[name].origin}/metrics`)).text()));
      const sum = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].reduce((a, m) => a + Number(m[1]), 0);
      return {
        statements: Object.fromEntries(SUBGRAPHS.map((n, i) => [n, sum(texts[i], /^db_statements_total\{[^}]*\} (\d+)/gm)])) as Record<SubgraphName, number>,
        // Every operation a subgraph served, but the BFFs' own once-a-second poll of the revocations feed.
        operations: Object.fromEntries(SUBGRAPHS.map((n, i) => [n, sum(texts[i], /^graphql_server_request_duration_seconds_count\{(?![^}]*"BffSessionRevocations")[^}]*\} (\d+)/gm)])) as Record<SubgraphName, number>,
      };
    };
    const pids = (target: Target): Record<Proc, number | undefined> => ({
      gateway: target.peer === 'reference' ? undefined : target.pid,
      users: graph.subgraphs.users.child.pid,
      posts: graph.subgraphs.posts.child.pid,
      media: graph.subgraphs.media.child.pid,
      postgres: postmaster,
    });
    const cpuNow = (target: Target): Record<Proc, number> => {
      const of = pids(target);
      return Object.fromEntries(PROCS.map((p) => [p, p === 'postgres' ? postgresCpuMs(of.postgres) : of[p] ? cpuMs(of[p]) : 0])) as Record<Proc, number>;
    };

    // Fetches per request, one request at a time (nothing to share in flight): subgraph operations and SQL statements per database.
    const profiles = new Map<Target, { operations: Record<SubgraphName, number>; statements: Record<SubgraphName, number> }>();
    const PROFILE_REQUESTS = 20;
    // The BFFs' revocation polls send SQL while nothing else runs: measured idle, and taken off.
    const idleStart = [await metrics(), Date.now()] as const;
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleEnd = [await metrics(), Date.now()] as const;
    const idlePerMs = Object.fromEntries(SUBGRAPHS.map((n) => [n, (idleEnd[0].statements[n] - idleStart[0].statements[n]) / (idleEnd[1] - idleStart[1])])) as Record<SubgraphName, number>;
    for (const target of targets.filter((t) => VARIED.includes(t.scenario))) {
      const [before, from] = [await metrics(), Date.now()];
      for (const item of target.items.slice(0, PROFILE_REQUESTS)) {
        const problem = await send(target, item);
        if (problem) throw new Error(`${target.name}: ${problem}`);
      }
      const [after, to] = [await metrics(), Date.now()];
      const idle = (key: 'operations' | 'statements', n: SubgraphName) => (key === 'statements' ? idlePerMs[n] * (to - from) : 0);
      const per = (key: 'operations' | 'statements') => Object.fromEntries(SUBGRAPHS.map((n) => [n, Math.max(0, after[key][n] - before[key][n] - idle(key, n)) / PROFILE_REQUESTS])) as Record<SubgraphName, number>;
      profiles.set(target, { operations: per('operations'), statements: per('statements') });
    }

    const measure = async (target: Target): Promise<Run> => {
      const headers = { 'content-type': 'application/json', ...(await target.headers()) };
      const run = (duration: number, wrong: { count: number; first?: string }) => {
        let next = 0;
        const current = new WeakMap<object, WorkItem>();
        return autocannon({
          url: target.url,
          connections: CONNECTIONS,
          duration,
          requests: [
            {
              method: 'POST',
              setupRequest: (request: autocannon.Request, context: object) => {
                const item = target.items[next++ % target.items.length];
                current.set(context, item);
                return { ...request, method: 'POST', headers: { ...request.headers, ...headers }, body: item.body };
              },
              onResponse: (status: number, body: string, context: object) => {
                if (status < 200 || status >= 300) return; // autocannon counts these (non2xx)
                let problem: string | null;
                try {
                  problem = current.get(context)!.check(JSON.parse(body));
                } catch (error) {
                  problem = `unreadable answer: ${(error as Error).message}`;
                }
                if (problem) {
                  wrong.count += 1;
                  wrong.first ??= problem;
                }
              },
            },
          ],
        });
      };
      if (WARMUP_S > 0) await run(WARMUP_S, { count: 0 }); // warm-up: caches, query plans, JIT, connections
      // The warm-up leaves requests in flight when it stops; one more request, queued behind them, waits them out.
      await send(target, target.items[0]).catch(() => undefined);
      const wrong: { count: number; first?: string } = { count: 0 };
      const [before, cpuBefore] = [await metrics(), cpuNow(target)];
      const result = await run(DURATION_S, wrong);
      const [after, cpuAfter] = [await metrics(), cpuNow(target)];
      if (wrong.first) logger.warn({ target: target.name, wrong: wrong.count, first: wrong.first }, 'wrong answers');
      logger.info({ target: target.name, rps: result.requests.average, sent: result.requests.sent, completed: result.requests.total, wrong: wrong.count }, 'measured');
      return {
        rps: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        requests: result.requests.total,
        failures: { errors: result.errors + result.timeouts, non2xx: result.non2xx, wrong: wrong.count },
        statements: Object.fromEntries(SUBGRAPHS.map((n) => [n, after.statements[n] - before.statements[n]])) as Record<SubgraphName, number>,
        cpuMs: Object.fromEntries(PROCS.map((p) => [p, cpuAfter[p] - cpuBefore[p]])) as Record<Proc, number>,
      };
    };
    // Passes alternate in order: whichever scenario runs later finds warmer subgraphs, and the order
    // alone moved req/s by 10-20% in a single pass.
    const runs = new Map<Target, Run[]>(targets.map((t) => [t, []]));
    const started = Date.now();
    for (let pass = 0; pass < PASSES; pass++) {
      for (const target of pass % 2 === 0 ? targets : [...targets].reverse()) runs.get(target)!.push(await measure(target));
    }
    const memory = new Map<Target, Record<Proc, number>>(
      targets.map((t) => {
        const of = pids(t);
        return [t, Object.fromEntries(PROCS.map((p) => [p, p === 'postgres' ? postgresMemoryMb(of.postgres) : of[p] ? rssMb(of[p]) : 0])) as Record<Proc, number>];
      }),
    );

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rows: SummaryRow[] = targets.map((target) => {
      const list = runs.get(target)!;
      const requests = list.reduce((a, r) => a + r.requests, 0);
      const failures = {
        errors: list.reduce((a, r) => a + r.failures.errors, 0),
        non2xx: list.reduce((a, r) => a + r.failures.non2xx, 0),
        wrong: list.reduce((a, r) => a + r.failures.wrong, 0),
      };
      // Answers that arrived but were wrong or not 2xx; errors and timeouts are not among `requests`.
      const correct = Math.max(0, requests - failures.non2xx - failures.wrong);
      const cpuAll = Object.fromEntries(PROCS.map((p) => [p, list.reduce((a, r) => a + r.cpuMs[p], 0)])) as Record<Proc, number>;
      const cpuTotal = PROCS.reduce((a, p) => a + cpuAll[p], 0);
      const rps = mean(list.map((r) => r.rps));
      return {
        scenario: target.scenario,
        peer: target.peer,
        name: target.name,
        rps,
        correctRps: requests > 0 ? (rps * correct) / requests : 0,
        rpsPerPass: list.map((r) => r.rps),
        p50: mean(list.map((r) => r.p50)),
        p99: mean(list.map((r) => r.p99)),
        requests,
        failures,
        cpuMsPerRequest: { ...(Object.fromEntries(PROCS.map((p) => [p, cpuAll[p] / requests])) as Record<Proc, number>), total: cpuTotal / requests },
        cpuMsPerCorrectAnswer: cpuTotal / correct,
        sqlPerRequest: Object.fromEntries(SUBGRAPHS.map((n) => [n, list.reduce((a, r) => a + r.statements[n], 0) / requests])) as Record<SubgraphName, number>,
        memoryMbAtEnd: memory.get(target)!,
        oneAtATime: profiles.get(target),
        ratios: {},
      };
    });
    const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? a / b : undefined);
    for (const row of rows) {
      const web = rows.find((r) => r.scenario === row.scenario && r.peer === 'bff-web');
      if (!web || row.peer === 'bff-web' || row.peer === 'bff-mobile') continue;
      row.ratios = { bffWebOverThisCorrectRps: ratio(web.correctRps, row.correctRps), bffWebOverThisCpuPerCorrect: ratio(web.cpuMsPerCorrectAnswer, row.cpuMsPerCorrectAnswer) };
    }
    const summary: Summary = {
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      at: new Date().toISOString(),
      options: { connections: CONNECTIONS, durationS: DURATION_S, warmupS: WARMUP_S, passes: PASSES, scenarios: [...wanted] },
      machine: { cores: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, loadAverageAtEnd: os.loadavg() },
      data: { users: plan.users.length, posts: plan.posts.length, published: order.ids.length, media: plan.media.length, cursors: CURSORS, detailIds: DETAIL_IDS },
      runMinutes: (Date.now() - started) / 60000,
      apolloPlan: wanted.has('W2') ? { W2: apolloPlan(DEEP_QUERY) } : {},
      rows,
    };
    process.stdout.write(`\n${renderSummary(summary)}\n`);

    if (values.json) {
      writeFileSync(values.json, `${JSON.stringify(summary, null, 2)}\n`);
      logger.info({ file: values.json }, 'wrote the JSON summary');
    }
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
