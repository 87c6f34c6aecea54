/**
 * `npm run bench:subgraphs`: each subgraph's CPU time per request for its share of the posts
 * page, driven directly with the requests the gateway sends. The page (20 posts, each with its
 * author, the author's avatar, the post's media and cover) is planned with the supergraph's
 * query planner, as the BFFs plan it; each fetch of the plan becomes a target sent straight to
 * its subgraph with a signed anonymous assertion, varied from request to request (another window
 * of 20 posts, another page cursor) so that no cache sees the same request twice in a row.
 * Starts its own graph (embedded PostgreSQL, seeded), measures in rounds of a fixed number of
 * requests and reports CPU ms per request of the subgraph process (from /proc) and of
 * PostgreSQL (all its processes), and SQL statements per request. Also measures the whole page
 * through bff-web, with every process's CPU.
 *
 *   npm run bench:subgraphs -- --requests 2000 --rounds 3 [--log info] [--baseline DIR] [--only media]
 *
 * `--baseline DIR`: a second checkout of the project (with its node_modules and generated
 * clients) whose subgraphs are started beside this one's, over the same databases; each round
 * measures both, one after the other, so a change is compared with what it replaced under the
 * same machine load; `--baseline-env KEY=VALUE` (repeatable) sets its environment apart (with
 * DIR this very checkout, it measures what a setting costs, e.g. `--baseline-env LOG_LEVEL=info`).
 * `--production` runs every subgraph with NODE_ENV=production, as the image does (graphql-js then
 * skips its development-mode checks). `--log info` runs the subgraphs at the production log level (the default is
 * warn, as in `npm run bench`). `--profile DIR` starts the subgraphs with `--cpu-prof` writing to
 * DIR, over the first round's requests of this tree's subgraphs (bench/cpu-profile.cjs). Figures, not a test.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { parse } from 'graphql';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode, type SubscriptionNode } from '@apollo/query-planner';
import { portVariable, SUBGRAPHS, type SubgraphName } from '../lib/config/env';
import { subgraphUrlVariable } from '../lib/config/subgraph-urls';
import { SUPERGRAPH_SDL } from '../lib/graphql/composition';
import { ASSERTION_HEADER, assertionSigner } from '../lib/identity/assertion';
import { gatewayKeyEnv, generatePrivateJwk, serviceKeyEnv, signingKeyFrom } from '../lib/identity/keys';
import { createLogger } from '../lib/telemetry/logger';
import { databaseEnv } from '../tooling/databases';
import { waitUntilReady } from '../tooling/processes';
import { withScratchGraph } from '../tooling/scratch-graph';
import { cpuMs } from './process-cpu';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '2000' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '32' },
    log: { type: 'string', default: 'warn' },
    baseline: { type: 'string' },
    profile: { type: 'string' },
    only: { type: 'string' },
    'baseline-env': { type: 'string', multiple: true },
    production: { type: 'boolean', default: false },
  },
});
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const CONNECTIONS = Number(values.connections);
const logger = createLogger('bench');
/** With `--production`: the subgraphs run as deployed (Dockerfile), with NODE_ENV=production and the secrets it requires. */
const PRODUCTION_ENV: Record<string, string> = values.production ? { NODE_ENV: 'production', CURSOR_SECRET: randomBytes(32).toString('hex') } : {};

const PAGE = `query Page($after: String) { posts(first: 20, after: $after) { nodes { id title author { handle displayName avatar { url(size: THUMB) } } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } pageInfo { endCursor } } }`;

/** The plan's fetches, in order. */
function fetches(node: PlanNode | SubscriptionNode | undefined): FetchNode[] {
  if (!node) return [];
  switch (node.kind) {
    case 'Fetch':
      return [node];
    case 'Flatten':
      return fetches(node.node);
    case 'Sequence':
    case 'Parallel':
      return node.nodes.flatMap(fetches);
    default:
      throw new Error(`unexpected plan node ${node.kind}`);
  }
}

/** CPU ms so far of every process of the PostgreSQL server whose data directory is under `dataDir`, reaped children included. */
function postgresCpuMs(dataDir: string): number {
  const ticks = 100;
  const stat = (pid: string) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  const postmaster = pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dataDir) && readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres';
    } catch {
      return false;
    }
  });
  if (!postmaster) return NaN;
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = stat(pid);
      if (pid === postmaster) total += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      else if (fields[1] === postmaster) total += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone meanwhile
    }
  }
  return (total * 1000) / ticks;
}

interface Variant {
  label: string;
  origins: Record<SubgraphName, string>;
  pids: Record<SubgraphName, number | undefined>;
}

async function main() {
  await withScratchGraph(
    logger,
    {
      size: { users: 500, postsPerUser: 10, mediaPerPost: 2 },
      // The machine may be busy: starting is not what is measured.
      startTimeoutMs: 120_000,
      subgraphEnv: { LOG_LEVEL: values.log!, ...PRODUCTION_ENV, ...(values.profile && { NODE_OPTIONS: `--require ${path.join(__dirname, 'cpu-profile.cjs')}`, CPU_PROFILE_DIR: values.profile }) },
      bffEnv: { NODE_ENV: 'production', MOBILE_SAFELIST: 'false', WEB_PUBLIC_ORIGIN: 'http://127.0.0.1' },
    },
    async (graph) => {
      const dataDir = process.env.DATA_DIR!;
      const sign = assertionSigner(await signingKeyFrom(graph.gatewayKey, 'bench'), 'bench');
      const current: Variant = {
        label: 'this tree',
        origins: Object.fromEntries(Object.values(graph.subgraphs).map((s) => [s.name, s.origin])) as Variant['origins'],
        pids: Object.fromEntries(Object.values(graph.subgraphs).map((s) => [s.name, s.child.pid])) as Variant['pids'],
      };
      const variants = [current];
      if (values.baseline) variants.push(await startBaseline(values.baseline, graph));

      // The plan the BFFs make for the page, and each of its fetches as requests to a subgraph.
      const supergraph = Supergraph.build(readFileSync(SUPERGRAPH_SDL, 'utf8'));
      const plan = new QueryPlanner(supergraph).buildQueryPlan(operationFromDocument(supergraph.schema, parse(PAGE), { operationName: 'Page' }));
      const published = graph.plan.posts.filter((p) => p.status === 'PUBLISHED');
      const windows = Array.from({ length: 50 }, (_, i) => published.slice(i * 20, i * 20 + 20));
      // Page cursors, read from the posts subgraph itself.
      const cursors: (string | null)[] = [null];
      for (let i = 0; i < 49; i++) {
        const response = await fetch(`${current.origins.posts}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [ASSERTION_HEADER]: await sign('posts') },
          body: JSON.stringify({ query: 'query($after: String) { posts(first: 20, after: $after) { pageInfo { endCursor } } }', variables: { after: cursors.at(-1) } }),
        });
        cursors.push(((await response.json()) as { data: { posts: { pageInfo: { endCursor: string } } } }).data.posts.pageInfo.endCursor);
      }
      const targets = fetches(plan.node).map((fetch, index) => {
        const types = (fetch.requires ?? []).map((r) => (r.kind === 'InlineFragment' ? r.typeCondition : undefined));
        const bodies = windows.map((posts, i) => {
          const representations = types.flatMap((type) =>
            type === 'Post' ? posts.map((p) => ({ __typename: 'Post', id: p.id })) : type === 'User' ? [...new Set(posts.map((p) => p.authorId))].map((id) => ({ __typename: 'User', id })) : [],
          );
          const variables = fetch.requires ? { representations } : { after: cursors[i] };
          return JSON.stringify({ query: fetch.operation, operationName: fetch.operationName, variables });
        });
        return { name: `${index + 1}. ${fetch.serviceName}: ${fetch.requires ? `_entities(${types.join(', ')})` : 'posts(first: 20)'}`, service: fetch.serviceName as SubgraphName, bodies };
      });
      logger.warn({ fetches: fetches(plan.node).map((f) => ({ service: f.serviceName, operation: f.operation })) }, 'plan');

      const statements = async (origin: string) => Number(/db_statements_total\{[^}]*\} (\d+)/.exec(await (await fetch(`${origin}/metrics`)).text())?.[1] ?? NaN);
      // An assertion lives 30 s, and a slow run outlasts it: each request carries a fresh one (one per subgraph: each names its audience).
      const assertions = Object.fromEntries(await Promise.all(SUBGRAPHS.map(async (name) => [name, await sign(name)] as const))) as Record<SubgraphName, string>;
      const renew = setInterval(() => SUBGRAPHS.forEach((name) => void sign(name).then((token) => (assertions[name] = token))), 2_000);
      const drive = async (url: string, bodies: string[], amount: number, audience: SubgraphName | null, headers: Record<string, string> = {}) => {
        let i = 0;
        const result = await autocannon({
          url,
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          connections: CONNECTIONS,
          amount,
          requests: [
            {
              setupRequest: (request) => ({
                ...request,
                body: bodies[i++ % bodies.length],
                ...(audience && { headers: { ...request.headers, [ASSERTION_HEADER]: assertions[audience] } }),
              }),
            },
          ],
        });
        if (result.non2xx || result.errors) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
        return result;
      };
      // Every target answers in full, on every variant.
      for (const variant of variants) {
        for (const target of targets) {
          const response = await fetch(`${variant.origins[target.service]}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', [ASSERTION_HEADER]: await sign(target.service) }, body: target.bodies[3] });
          const body = (await response.json()) as { data?: Record<string, unknown[]>; errors?: unknown[] };
          if (!response.ok || body.errors || !body.data) throw new Error(`${target.name} (${variant.label}) does not answer: ${JSON.stringify(body).slice(0, 300)}`);
        }
      }

      type Row = { cpu: number; pg: number; sql: number; rps: number; n: number };
      const results = new Map<string, Row>();
      const add = (key: string, row: Omit<Row, 'n'>) => {
        const old = results.get(key) ?? { cpu: 0, pg: 0, sql: 0, rps: 0, n: 0 };
        results.set(key, { cpu: old.cpu + row.cpu, pg: old.pg + row.pg, sql: old.sql + row.sql, rps: old.rps + row.rps, n: old.n + 1 });
      };
      const chosen = targets.filter((t) => !values.only || t.service === values.only);
      // Warm-up: JIT, pools, caches, for every variant.
      for (const variant of variants) for (const target of chosen) await drive(`${variant.origins[target.service]}/graphql`, target.bodies, 1000, target.service);
      // Profiles, when asked: one pass of each target on this tree's subgraphs, not counted in the figures.
      if (values.profile) {
        for (const target of chosen) {
          const pid = current.pids[target.service]!;
          process.kill(pid, 'SIGUSR2');
          await drive(`${current.origins[target.service]}/graphql`, target.bodies, REQUESTS, target.service);
          process.kill(pid, 'SIGUSR2');
          await new Promise((resolve) => setTimeout(resolve, 1000)); // let it write the profile before the next starts
        }
      }
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which variant goes first, so neither always finds the warmer machine.
        const order = round % 2 === 0 ? variants : [...variants].reverse();
        for (const target of chosen) {
          for (const variant of order) {
            const pid = variant.pids[target.service];
            const origin = variant.origins[target.service];
            const [cpu0, pg0, sql0] = [cpuMs(pid), postgresCpuMs(dataDir), await statements(origin)];
            const result = await drive(`${origin}/graphql`, target.bodies, REQUESTS, target.service);
            const [cpu1, pg1, sql1] = [cpuMs(pid), postgresCpuMs(dataDir), await statements(origin)];

            const n = result.requests.total;
            add(`${target.name}|${variant.label}`, { cpu: (cpu1 - cpu0) / n, pg: (pg1 - pg0) / n, sql: (sql1 - sql0 - 0) / n, rps: result.requests.average });
          }
        }
        // The whole page through bff-web (this tree's subgraphs only), uncached, varied by cursor.
        if (!values.only) {
          const pagePids = { 'bff-web': graph.web.child.pid, ...current.pids };
          const before = Object.fromEntries(Object.entries(pagePids).map(([name, pid]) => [name, cpuMs(pid)]));
          const pg0 = postgresCpuMs(dataDir);
          const bodies = cursors.map((after) => JSON.stringify({ query: PAGE, operationName: 'Page', variables: { after } }));
          const result = await drive(`${graph.web.origin}/graphql`, bodies, REQUESTS, null, { 'cache-control': 'no-cache' });
          const n = result.requests.total;
          for (const [name, pid] of Object.entries(pagePids)) add(`page via bff-web: ${name}|this tree`, { cpu: (cpuMs(pid) - before[name]) / n, pg: 0, sql: 0, rps: result.requests.average });
          add('page via bff-web: PostgreSQL|this tree', { cpu: (postgresCpuMs(dataDir) - pg0) / n, pg: 0, sql: 0, rps: result.requests.average });
        }
        logger.warn({ round: round + 1, load: os.loadavg().map((l) => l.toFixed(1)).join(' ') }, 'round done');
      }

      const lines = [
        `Subgraph CPU: ${CONNECTIONS} connections, ${REQUESTS} requests per target per round, ${ROUNDS} rounds, subgraphs logging at ${values.log}${values.production ? ', NODE_ENV=production' : ''}${values['baseline-env'] ? `, baseline with ${values['baseline-env'].join(' ')}` : ''}; ${os.cpus().length} cores, Node ${process.version}; load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}.`,
        '',
        '| target | variant | CPU ms/request | PostgreSQL CPU ms/request | SQL/request | req/s |',
        '| --- | --- | ---: | ---: | ---: | ---: |',
        ...[...results].map(([key, r]) => {
          const [name, label] = key.split('|');
          return `| ${name} | ${label} | ${(r.cpu / r.n).toFixed(2)} | ${(r.pg / r.n).toFixed(2)} | ${(r.sql / r.n).toFixed(2)} | ${(r.rps / r.n).toFixed(0)} |`;
        }),
      ];
      clearInterval(renew);
      process.stdout.write(`\n${lines.join('\n')}\n`);
    },
  );
}

/**
 * Starts the subgraphs of the checkout at `dir` beside the graph's, over the same databases, with
 * keys of their own for the services' calls: users, then posts and media following the
 * baseline's own users and posts (as tooling/launch.ts starts a graph).
 */
async function startBaseline(dir: string, graph: Parameters<Parameters<typeof withScratchGraph>[2]>[0]): Promise<Variant> {
  const keys = gatewayKeyEnv(graph.gatewayKey);
  const media = serviceKeyEnv('media', JSON.stringify(await generatePrivateJwk()));
  const posts = serviceKeyEnv('posts', JSON.stringify(await generatePrivateJwk()));
  const env: Record<string, string> = {
    ...databaseEnv(graph.urls),
    ...keys.subgraph,
    ...media.callees,
    ...posts.callees,
    AUTH_SIGNING_KEY: JSON.stringify(await generatePrivateJwk()),
    LOG_LEVEL: values.log!,
    ...PRODUCTION_ENV,
    ...Object.fromEntries((values['baseline-env'] ?? []).map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)])),
  };
  const start = async (name: SubgraphName, own: Record<string, string> = {}) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(dir, 'subgraphs', name, 'index.ts')], {
      cwd: dir,
      env: { ...process.env, ...env, ...own, [portVariable(name)]: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    graph.adopt(child);
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`baseline ${name} exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('"listening"')) resolve(JSON.parse(line).port);
      });
    });
    const origin = `http://127.0.0.1:${port}`;
    await waitUntilReady(origin, 120_000);
    return { origin, pid: child.pid };
  };
  const users = await start('users');
  env[subgraphUrlVariable('users')] = `${users.origin}/graphql`;
  const postsService = await start('posts', posts.own);
  env[subgraphUrlVariable('posts')] = `${postsService.origin}/graphql`;
  const mediaService = await start('media', media.own);
  const started = { users, posts: postsService, media: mediaService };
  return {
    label: 'baseline',
    origins: Object.fromEntries(SUBGRAPHS.map((name) => [name, started[name].origin])) as Variant['origins'],
    pids: Object.fromEntries(SUBGRAPHS.map((name) => [name, started[name].pid])) as Variant['pids'],
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
