/**
 * `npm run bench:telemetry`: what observability costs. For each variant a fresh graph (embedded
 * PostgreSQL in a temporary folder, 50 users, 300 posts, services on free loopback ports) serves
 * bff-web's page of 20 posts with author and media (three subgraphs, uncached) to autocannon for a
 * fixed time; reported: requests/s, p50/p99 latency and the CPU time per request of bff-web and of
 * all four serving processes together (from /proc). Variants: tracing off; tracing on with every
 * service sampling 10% (OTEL_TRACES_SAMPLER=parentbased_traceidratio, _ARG=0.1); 100%; and tracing
 * off with every service's /metrics scraped each second. Spans go over OTLP/HTTP (protobuf, the
 * default) to a sink in this process that reads and drops them. The first variant runs again
 * last, to show how much the machine drifted meanwhile. Figures, not a test.
 *
 *   npm run bench:telemetry -- --connections 8 --duration 15
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createLogger } from '../lib/telemetry/logger';
import { withScratchGraph } from '../tooling/scratch-graph';
import { cpuMs } from './process-cpu';

const { values } = parseArgs({ options: { connections: { type: 'string', default: '8' }, duration: { type: 'string', default: '15' }, warmup: { type: 'string', default: '5' } } });
const CONNECTIONS = Number(values.connections);
const DURATION_S = Number(values.duration);
const WARMUP_S = Number(values.warmup);
const logger = createLogger('bench');
const PAGE = JSON.stringify({ query: '{ posts(first: 20) { nodes { id title author { handle displayName } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } } }' });

interface Variant {
  name: string;
  env: Record<string, string>;
  scrape?: boolean;
}

async function main() {
  let spans = 0;
  // The OTLP sink: reads each export and drops it, as a collector that keeps up would answer.
  const sink = http.createServer((req, res) => {
    req.on('data', () => (spans += 1));
    req.on('end', () => res.writeHead(200, { 'content-type': req.headers['content-type'] ?? 'application/x-protobuf' }).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
  const traced = (ratio: string) => ({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: ratio });
  const variants: Variant[] = [
    { name: 'tracing off', env: {} },
    { name: 'tracing 10%', env: traced('0.1') },
    { name: 'tracing 100%', env: traced('1') },
    { name: 'tracing off, /metrics scraped every 1 s', env: {}, scrape: true },
    { name: 'tracing off (again)', env: {} },
  ];
  const rows: string[] = [];
  for (const variant of variants) {
    await withScratchGraph(logger, { size: { users: 50, postsPerUser: 6, mediaPerPost: 2 }, bffEnv: { ...variant.env, RESPONSE_CACHE: 'false' }, subgraphEnv: variant.env, startTimeoutMs: 180_000 }, async (graph) => {
      const processes = [graph.web, ...Object.values(graph.subgraphs)];
      const run = (duration: number) =>
        autocannon({ url: `${graph.web.origin}/graphql`, method: 'POST', headers: { 'content-type': 'application/json', 'cache-control': 'no-cache' }, body: PAGE, connections: CONNECTIONS, duration });
      await run(WARMUP_S);
      const scraper = variant.scrape ? setInterval(() => processes.concat(graph.mobile).forEach((p) => void fetch(`${p.origin}/metrics`).then((r) => r.text())), 1_000) : undefined;
      const before = processes.map((p) => cpuMs(p.child.pid));
      const load = os.loadavg()[0];
      const result = await run(DURATION_S);
      const after = processes.map((p) => cpuMs(p.child.pid));
      clearInterval(scraper);
      const requests = result.requests.total;
      const perRequest = (i: number) => (after[i] - before[i]) / requests;
      const all = after.reduce((sum, ms, i) => sum + ms - before[i], 0) / requests;
      rows.push(
        `| ${variant.name} | ${requests} | ${result.requests.average.toFixed(0)} | ${result.latency.p50} | ${result.latency.p99} | ${result.errors + result.non2xx} | ${perRequest(0).toFixed(2)} | ${all.toFixed(2)} | ${load.toFixed(2)} |`,
      );
      logger.warn({ variant: variant.name, requests, bffWebCpuMsPerRequest: perRequest(0), allCpuMsPerRequest: all }, 'measured');
    });
  }
  sink.close();
  process.stdout.write(
    [
      `connections ${CONNECTIONS}, ${DURATION_S} s per variant after ${WARMUP_S} s of warm-up; ${os.cpus().length} cores, Node ${process.version}; OTLP exports received: ${spans} chunks`,
      '',
      '| variant | requests | req/s | p50 ms | p99 ms | errors | bff-web CPU ms/req | all four CPU ms/req | load avg (1 min) at start |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  logger.fatal({ err: error }, 'benchmark failed');
  process.exit(1);
});
