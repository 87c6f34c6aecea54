/**
 * `npm run bench`: a reproducible benchmark of the gateways and subgraphs. Starts its own graph
 * (embedded PostgreSQL in a temporary folder, every service on a free loopback port, logging at
 * warn), seeds 1,000 users, 10,000 posts and 21,000 media records, warms each target, then
 * measures each scenario with autocannon from this process: fixed connections and duration.
 *
 *   npm run bench -- --connections 32 --duration 10 --warmup 10
 *
 * Scenarios: 1. posts(first: 20) straight to the posts subgraph (the ceiling for one process);
 * 2. bff-web: 20 posts with author and media (three subgraphs, two levels of entities), and the
 * same query on the peers a user would pick instead: a stock @apollo/gateway and Hive Gateway
 * (installed on first use into the bench-only workspace bench/hive); 3. bff-mobile's feed screen
 * (20 cards) by persisted query; 4. the heavy page at 10, 50 and 100 posts. The BFFs' scenarios
 * send `Cache-Control: no-cache` (uncached); 2c and 3c repeat 2 and 3 as anonymous reads served
 * by the BFFs' response cache. Every scenario runs twice, the
 * second pass in reverse order. For each: requests/s, latency percentiles, errors, the ratio to
 * scenario 1, the serving process's CPU time per request (from /proc), and SQL statements per
 * request per database (from each subgraph's counter of statements sent). Figures, not a test.
 */
import { execSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { MobileClient } from '../bff-mobile/client/client';
import { readManifest } from '../bff-mobile/safelist';
import { SUBGRAPHS, type SubgraphName } from '../lib/config/env';
import { subgraphUrlVariable } from '../lib/config/subgraph-urls';
import { ASSERTION_HEADER, assertionSigner } from '../lib/identity/assertion';
import { signingKeyFrom } from '../lib/identity/keys';
import { createLogger } from '../lib/telemetry/logger';
import { withScratchGraph } from '../tooling/scratch-graph';
import { cpuMs } from './process-cpu';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '32' }, duration: { type: 'string', default: '10' }, warmup: { type: 'string', default: '10' } } });
const WARMUP_S = Number(values.warmup);
const CONNECTIONS = Number(values.connections);
const DURATION_S = Number(values.duration);
const logger = createLogger('bench');

const page = (first: number) =>
  `{ posts(first: ${first}) { nodes { id title author { handle displayName } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } } }`;

interface Target {
  name: string;
  url: string;
  body: string;
  /** The process that serves it, whose CPU time per request is reported. */
  pid: number | undefined;
  headers?: () => Promise<Record<string, string>>;
}

/** One measured run of one target. */
interface Run {
  rps: number;
  p50: number;
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
  requests: number;
  statements: Record<SubgraphName, number>;
  cpuMs: number;
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

async function main() {
  const hiveDir = installHive();
  await withScratchGraph(logger, { size: { users: 1000, postsPerUser: 10, mediaPerPost: 2 }, bffEnv: { NODE_ENV: 'production', MOBILE_SAFELIST: 'false', WEB_PUBLIC_ORIGIN: 'http://127.0.0.1' } }, async (graph) => {
    const { plan, gatewayKey } = graph;
    // The peers: a stock @apollo/gateway and Hive Gateway, over the same subgraphs and supergraph.
    const peerEnv = {
      GATEWAY_SIGNING_KEY: gatewayKey,
      ...Object.fromEntries(Object.values(graph.subgraphs).map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`])),
    };
    const stock = await startPeer(path.join(__dirname, 'stock-gateway.ts'), peerEnv, graph.adopt);
    const hive = await startPeer(path.join(hiveDir, 'gateway.ts'), peerEnv, graph.adopt, hiveDir);
    const stockUrl = `http://127.0.0.1:${stock.port}/`;
    const hiveUrl = `http://127.0.0.1:${hive.port}/graphql`;

    const sign = assertionSigner(await signingKeyFrom(gatewayKey, 'bench'), 'bench');
    const feed = readManifest().operations.find((op) => op.name === 'Feed')!;
    await new MobileClient({ baseUrl: graph.mobile.origin }).feed(20); // registers the persisted query
    const json = (query: string) => JSON.stringify({ query });
    const uncached = async () => ({ 'cache-control': 'no-cache' });
    const mobileFeed = JSON.stringify({ operationName: 'Feed', variables: { first: 20 }, extensions: { persistedQuery: { version: 1, sha256Hash: feed.id } } });
    const targets: Target[] = [
      { name: '1. posts subgraph alone: posts(first: 20)', pid: graph.subgraphs.posts.child.pid, url: `${graph.subgraphs.posts.origin}/graphql`, body: json('{ posts(first: 20) { nodes { id title bodyHtml publishedAt } } }'), headers: async () => ({ [ASSERTION_HEADER]: await sign('posts', null) }) },
      { name: '2. bff-web: 20 posts × author × media', pid: graph.web.child.pid, url: `${graph.web.origin}/graphql`, body: json(page(20)), headers: uncached },
      { name: '2. peer: stock @apollo/gateway, same query', pid: stock.child.pid, url: stockUrl, body: json(page(20)) },
      { name: '2. peer: Hive Gateway, same query', pid: hive.child.pid, url: hiveUrl, body: json(page(20)) },
      { name: '2c. bff-web: same query, anonymous, response cache', pid: graph.web.child.pid, url: `${graph.web.origin}/graphql`, body: json(page(20)) },
      { name: '3. bff-mobile: feed, 20 cards, persisted query', pid: graph.mobile.child.pid, url: `${graph.mobile.origin}/graphql`, body: mobileFeed, headers: uncached },
      { name: '3c. bff-mobile: same feed, anonymous, response cache', pid: graph.mobile.child.pid, url: `${graph.mobile.origin}/graphql`, body: mobileFeed },
      { name: '4. bff-web: heavy page, 10 posts', pid: graph.web.child.pid, url: `${graph.web.origin}/graphql`, body: json(page(10)), headers: uncached },
      { name: '4. bff-web: heavy page, 50 posts', pid: graph.web.child.pid, url: `${graph.web.origin}/graphql`, body: json(page(50)), headers: uncached },
      { name: '4. bff-web: heavy page, 100 posts', pid: graph.web.child.pid, url: `${graph.web.origin}/graphql`, body: json(page(100)), headers: uncached },
    ];
    // Every peer answers scenario 2 in full before anything is measured.
    for (const target of targets) {
      const response = await fetch(target.url, { method: 'POST', headers: { 'content-type': 'application/json', ...(await target.headers?.()) }, body: target.body });
      const body = (await response.json()) as { data?: unknown; errors?: unknown[] };
      if (!response.ok || body.errors || !body.data) throw new Error(`${target.name} does not answer: ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    }

    const statements = async (): Promise<Record<SubgraphName, number>> =>
      Object.fromEntries(
        await Promise.all(
          SUBGRAPHS.map(async (name) => {
            const text = await (await fetch(`${graph.subgraphs[name].origin}/metrics`)).text();
            return [name, Number(/db_statements_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? NaN)] as const;
          }),
        ),
      ) as Record<SubgraphName, number>;

    const measure = async (target: Target): Promise<Run> => {
      const headers = { 'content-type': 'application/json', ...(await target.headers?.()) };
      const run = (duration: number) => autocannon({ url: target.url, method: 'POST', headers, body: target.body, connections: CONNECTIONS, duration });
      await run(WARMUP_S); // warm-up: caches, query plans, JIT, connections (pass 1 cost 40% more CPU after only 3 s)
      const [before, cpuBefore] = [await statements(), cpuMs(target.pid)];
      const result = await run(DURATION_S);
      const [after, cpuAfter] = [await statements(), cpuMs(target.pid)];
      logger.info({ target: target.name, rps: result.requests.average }, 'measured');
      return {
        rps: result.requests.average,
        p50: result.latency.p50,
        p97_5: result.latency.p97_5,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        requests: result.requests.total,
        statements: Object.fromEntries(SUBGRAPHS.map((n) => [n, after[n] - before[n]])) as Record<SubgraphName, number>,
        cpuMs: cpuAfter - cpuBefore,
      };
    };
    // Two passes, the second in reverse order: whichever scenario runs later finds warmer
    // subgraphs, and the order alone moved req/s by 10-20% in a single pass.
    const runs = new Map<Target, Run[]>(targets.map((t) => [t, []]));
    for (const target of targets) runs.get(target)!.push(await measure(target));
    for (const target of [...targets].reverse()) runs.get(target)!.push(await measure(target));

    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const rows = targets.map((target) => {
      const list = runs.get(target)!;
      const requests = list.reduce((a, r) => a + r.requests, 0);
      return {
        name: target.name,
        rps: list.map((r) => r.rps),
        p50: mean(list.map((r) => r.p50)),
        p97_5: mean(list.map((r) => r.p97_5)),
        p99: mean(list.map((r) => r.p99)),
        errors: list.reduce((a, r) => a + r.errors + r.non2xx, 0),
        cpu: list.reduce((a, r) => a + r.cpuMs, 0) / requests,
        statements: SUBGRAPHS.map((n) => list.reduce((a, r) => a + r.statements[n], 0) / requests),
      };
    });
    const ceiling = mean(rows[0].rps);
    const lines = [
      `Bench: ${CONNECTIONS} connections, ${DURATION_S} s per scenario after a ${WARMUP_S} s warm-up, two passes (the second in reverse order); ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; data: ${plan.users.length} users, ${plan.posts.length} posts, ${plan.media.length} media.`,
      '',
      '| scenario | req/s (pass 1, pass 2) | ÷ scenario 1 | p50 ms | p97.5 ms | p99 ms | errors | serving process CPU ms/request | SQL/request users · posts · media |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...rows.map((r) =>
        `| ${r.name} | ${mean(r.rps).toFixed(0)} (${r.rps.map((x) => x.toFixed(0)).join(', ')}) | ${(mean(r.rps) / ceiling).toFixed(2)} | ${r.p50.toFixed(0)} | ${r.p97_5.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.errors} | ${r.cpu.toFixed(2)} | ${r.statements.map((x) => x.toFixed(2)).join(' · ')} |`,
      ),
    ];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
