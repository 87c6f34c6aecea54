/**
 * The tables of `npm run bench`, rendered from its summary (the object `--json FILE` writes), so a
 * saved run can be printed again: `node --import tsx bench/report.ts out.json`.
 */
import { readFileSync } from 'node:fs';

const SUBGRAPHS = ['users', 'posts', 'media'] as const;
type Subgraph = (typeof SUBGRAPHS)[number];
export type Proc = 'gateway' | Subgraph | 'postgres';

export interface SummaryRow {
  scenario: string;
  peer: 'bff-web' | 'stock' | 'hive' | 'reference' | 'bff-mobile';
  name: string;
  /** Every answer per second, and the correct ones (complete data, no errors) per second. */
  rps: number;
  correctRps: number;
  rpsPerPass: number[];
  p50: number;
  p99: number;
  requests: number;
  failures: { errors: number; non2xx: number; wrong: number };
  cpuMsPerRequest: Record<Proc | 'total', number>;
  /** All processes' CPU over the correct answers only: what a useful answer cost. */
  cpuMsPerCorrectAnswer: number;
  sqlPerRequest: Record<Subgraph, number>;
  memoryMbAtEnd: Record<Proc, number>;
  oneAtATime?: { operations: Record<Subgraph, number>; statements: Record<Subgraph, number> };
  ratios: { bffWebOverThisCorrectRps?: number; bffWebOverThisCpuPerCorrect?: number };
}

export interface Summary {
  command: string;
  at: string;
  options: { connections: number; durationS: number; warmupS: number; passes: number; scenarios: string[] };
  machine: { cores: number; cpu?: string; node: string; loadAverageAtEnd: number[] };
  data: { users: number; posts: number; published: number; media: number; cursors: number; detailIds: number };
  runMinutes: number;
  apolloPlan: { W2?: { fetches: number; levels: number } };
  rows: SummaryRow[];
}

const fixed = (x: number | undefined, digits = 2) => (x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** Markdown tables (pasteable into BENCHMARKS.md) for `summary`. */
export function renderSummary(summary: Summary): string {
  const { options: o, machine: m, data: d } = summary;
  const lines = [
    `Command: \`${summary.command}\`. ${o.connections} connections, ${o.durationS} s per run after a ${o.warmupS} s warm-up, ${o.passes} pass${o.passes > 1 ? 'es (alternating order)' : ''}, ${fixed(summary.runMinutes, 1)} min of runs; ${m.cores} cores, ${m.cpu ?? 'unknown CPU'}, Node ${m.node}, load average ${m.loadAverageAtEnd.map((l) => l.toFixed(1)).join(' / ')} (1, 5, 15 min) at the end; data: ${d.users} users, ${d.posts} posts (${d.published} published), ${d.media} media.`,
    '',
    '| scenario | req/s (per pass) | correct req/s | p50 ms | p99 ms | failures: errors and timeouts · non-2xx · wrong (of answers) | CPU ms/request: gateway · users · posts · media · PostgreSQL = total | CPU ms per correct answer | bff-web ÷ this: correct req/s · CPU per correct answer |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |',
    ...summary.rows.map((r) => {
      const c = r.cpuMsPerRequest;
      const compared = r.peer === 'bff-web' || r.ratios.bffWebOverThisCorrectRps === undefined ? '' : `${fixed(r.ratios.bffWebOverThisCorrectRps)}× · ${fixed(r.ratios.bffWebOverThisCpuPerCorrect)}×`;
      const failed = r.failures.errors + r.failures.non2xx + r.failures.wrong;
      return `| ${r.name} | ${r.rps.toFixed(0)} (${r.rpsPerPass.map((x) => x.toFixed(0)).join(', ')}) | ${r.correctRps.toFixed(0)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${failed}: ${r.failures.errors} · ${r.failures.non2xx} · ${r.failures.wrong} (of ${r.requests}) | ${[c.gateway, c.users, c.posts, c.media, c.postgres].map((x) => fixed(x)).join(' · ')} = **${fixed(c.total)}** | ${fixed(r.cpuMsPerCorrectAnswer)} | ${compared} |`;
    }),
    '',
    '| scenario | SQL/request under load: users · posts · media | one request at a time: subgraph calls · SQL statements (users / posts / media) | RSS MB at the end: gateway · users · posts · media · PostgreSQL (Pss) |',
    '| --- | --- | --- | --- |',
    ...summary.rows.map((r) => {
      const one = r.oneAtATime;
      const total = (x: Record<Subgraph, number>) => SUBGRAPHS.reduce((a, n) => a + x[n], 0);
      const calls = one ? `${fixed(total(one.operations), 1)} (${SUBGRAPHS.map((n) => fixed(one.operations[n], 1)).join(' / ')}) · ${fixed(total(one.statements), 1)} (${SUBGRAPHS.map((n) => fixed(one.statements[n], 1)).join(' / ')})` : '';
      const mem = r.memoryMbAtEnd;
      return `| ${r.name} | ${SUBGRAPHS.map((n) => fixed(r.sqlPerRequest[n])).join(' · ')} | ${calls} | ${[mem.gateway, mem.users, mem.posts, mem.media, mem.postgres].map((x) => (x ? x.toFixed(0) : '–')).join(' · ')} |`;
    }),
  ];
  if (summary.apolloPlan.W2) lines.push('', `Apollo's query planner (bff-web and the stock gateway plan with it) plans W2 as ${summary.apolloPlan.W2.fetches} fetches in ${summary.apolloPlan.W2.levels} sequential levels.`);
  return lines.join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node --import tsx bench/report.ts SUMMARY.json');
    process.exit(2);
  }
  process.stdout.write(`${renderSummary(JSON.parse(readFileSync(file, 'utf8')) as Summary)}\n`);
}
