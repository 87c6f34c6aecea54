/**
 * `npm run bench:telemetry`: what observability costs bff-web. One graph (embedded PostgreSQL in a
 * temporary folder, 50 users, 300 posts, services on free loopback ports) and, beside its own
 * bff-web, one more bff-web process per variant, all over the same subgraphs (untraced). In rounds,
 * each variant in turn serves the page of 20 posts with author and media (three subgraphs,
 * uncached) to autocannon for a fixed time; its CPU time per request comes from /proc. Taking turns
 * spreads a shared machine's drift over every variant alike. Variants: tracing off; tracing on with
 * nothing sampled (OTEL_TRACES_SAMPLER=always_off: instrumentation and context alone); 10% sampled
 * (traceidratio, 0.1); 100%; tracing off with /metrics scraped every second; and tracing off with
 * only an AsyncLocalStorage in use (bench/async-context-only.cjs), which is what OpenTelemetry's
 * context propagation rests on. Spans go over
 * OTLP/HTTP (protobuf, the default) to a sink in this process that reads and drops them. Metrics
 * are always on: every variant records them. Figures, not a test.
 *
 *   npm run bench:telemetry -- --connections 8 --duration 8 --rounds 3
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { subgraphUrlVariable } from '../lib/config/subgraph-urls';
import { gatewayKeyEnv } from '../lib/identity/keys';
import { createLogger } from '../lib/telemetry/logger';
import { startService, waitUntilReady, type RunningService } from '../tooling/processes';
import { withScratchGraph } from '../tooling/scratch-graph';
import { cpuMs } from './process-cpu';

const { values } = parseArgs({
  options: { connections: { type: 'string', default: '8' }, duration: { type: 'string', default: '8' }, rounds: { type: 'string', default: '3' }, warmup: { type: 'string', default: '5' } },
});
const CONNECTIONS = Number(values.connections);
const DURATION_S = Number(values.duration);
const ROUNDS = Number(values.rounds);
const WARMUP_S = Number(values.warmup);
const logger = createLogger('bench');
const PAGE = JSON.stringify({ query: '{ posts(first: 20) { nodes { id title author { handle displayName } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } } }' });

interface Variant {
  name: string;
  env: Record<string, string>;
  scrape?: boolean;
  service?: RunningService;
  requests: number;
  cpuMs: number;
  latencies: number[];
}

async function main() {
  let exports = 0;
  // The OTLP sink: reads each export and drops it, as a collector that keeps up would answer.
  const sink = http.createServer((req, res) => {
    exports += 1;
    req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const traced = (sampler: string, ratio = '1') => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: sampler, OTEL_TRACES_SAMPLER_ARG: ratio });
  const planned: Pick<Variant, 'name' | 'env' | 'scrape'>[] = [
    { name: 'tracing off', env: {} },
    { name: 'tracing on, nothing sampled', env: traced('always_off') },
    { name: 'tracing 10%', env: traced('parentbased_traceidratio', '0.1') },
    { name: 'tracing 100%', env: traced('parentbased_always_on') },
    { name: 'tracing off, /metrics scraped every 1 s', env: {}, scrape: true },
    { name: 'tracing off, an AsyncLocalStorage in use', env: { NODE_OPTIONS: `--require ${path.join(__dirname, 'async-context-only.cjs')}` } },
  ];
  const variants: Variant[] = planned.map((v) => ({ ...v, requests: 0, cpuMs: 0, latencies: [] }));

  await withScratchGraph(logger, { size: { users: 50, postsPerUser: 6, mediaPerPost: 2 }, startTimeoutMs: 180_000 }, async (graph) => {
    const bffEnv = {
      ...gatewayKeyEnv(graph.gatewayKey).bff,
      ...Object.fromEntries(Object.values(graph.subgraphs).map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`])),
      LOG_LEVEL: 'warn',
      RESPONSE_CACHE: 'false',
      BFF_WEB_PORT: '0',
    };
    for (const variant of variants) {
      variant.service = await startService('bff-web', { env: { ...bffEnv, ...variant.env }, timeoutMs: 180_000, onSpawn: graph.adopt });
      await waitUntilReady(variant.service.origin, 180_000);
    }
    const run = (service: RunningService, duration: number) =>
      autocannon({ url: `${service.origin}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' }, body: PAGE, connections: CONNECTIONS, duration });
    for (const variant of variants) await run(variant.service!, WARMUP_S);
    const loads: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      // Each round in another order, so no variant always follows the same one.
      const order = round % 2 === 0 ? variants : [...variants].reverse();
      for (const variant of order) {
        const service = variant.service!;
        const scraper = variant.scrape ? setInterval(() => void fetch(`${service.origin}/metrics`).then((r) => r.text()), 1_000) : undefined;
        loads.push(os.loadavg()[0]);
        const before = cpuMs(service.child.pid);
        const result = await run(service, DURATION_S);
        variant.cpuMs += cpuMs(service.child.pid) - before;
        clearInterval(scraper);
        variant.requests += result.requests.total;
        variant.latencies.push(result.latency.p50);
        if (result.errors + result.non2xx > 0) throw new Error(`${variant.name}: ${result.errors} errors, ${result.non2xx} non-2xx answers`);
      }
    }
    const base = variants[0].cpuMs / variants[0].requests;
    process.stdout.write(
      [
        `${ROUNDS} rounds × ${DURATION_S} s per variant, ${CONNECTIONS} connections, after ${WARMUP_S} s of warm-up each; ${os.cpus().length} cores, Node ${process.version};`,
        `load average (1 min) during the runs ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}; OTLP exports received: ${exports}`,
        '',
        '| bff-web variant | requests | p50 ms per round | CPU ms per request | vs tracing off |',
        '| --- | ---: | --- | ---: | ---: |',
        ...variants.map((v) => {
          const perRequest = v.cpuMs / v.requests;
          return `| ${v.name} | ${v.requests} | ${v.latencies.join(', ')} | ${perRequest.toFixed(2)} | ${v === variants[0] ? '' : `${perRequest >= base ? '+' : ''}${(((perRequest - base) / base) * 100).toFixed(0)}%`} |`;
        }),
        '',
      ].join('\n'),
    );
  });
  sink.close();
}

main().catch((error) => {
  logger.fatal({ err: error }, 'benchmark failed');
  process.exit(1);
});
