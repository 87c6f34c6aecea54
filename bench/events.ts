/**
 * `npm run bench:events`: events through each transport on a scratch graph (embedded PostgreSQL,
 * the five services as processes, default event settings), on the embedded feed and on NATS
 * JetStream (a nats-server of its own on a free port).
 *
 * - Throughput: N PostDeleted events (of posts that do not exist, so media's effect is its
 *   bookkeeping: lock, tombstone, processed record) are committed to posts' outbox at once; the
 *   time until media has applied all of them, and on NATS until the relay has published all.
 * - Latency: events committed one at a time, every 250 ms; for each, media's processed_at (the start
 *   of the transaction that applies it) minus the event's occurred_at (its commit's), both read
 *   from the same PostgreSQL clock. p50 and p99.
 * Options: `-- --events 3000 --samples 100 --transport embedded --transport nats`.
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import pg from 'pg';
import { createLogger } from '../lib/telemetry/logger';
import { startNats } from '../tooling/nats-server';
import { withScratchGraph } from '../tooling/scratch-graph';

const logger = createLogger('bench-events');
const { values } = parseArgs({
  options: { events: { type: 'string', default: '3000' }, samples: { type: 'string', default: '100' }, transport: { type: 'string', multiple: true } },
});
const EVENTS = Number(values.events);
const SAMPLES = Number(values.samples);
/** Well below what a loaded machine applies per second: this measures latency, not a queue. */
const SAMPLE_EVERY_MS = 250;

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 300_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const count = async (db: pg.Client, sql: string) => (await db.query(sql)).rows[0].n as number;
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

const INSERT = `
  INSERT INTO outbox_events (id, aggregate_id, sequence, type, version, payload)
  SELECT gen_random_uuid(), a, 1, 'PostDeleted', 1, jsonb_build_object('postId', a, 'authorId', gen_random_uuid())
  FROM (SELECT gen_random_uuid() AS a FROM generate_series(1, $1)) posts`;

async function measure(transport: 'embedded' | 'nats') {
  const nats = transport === 'nats' ? await startNats() : undefined;
  try {
    return await withScratchGraph(
      logger,
      { size: { users: 1, postsPerUser: 0, mediaPerPost: 0 }, subgraphEnv: nats ? { NATS_URL: nats.url } : {} },
      async (graph) => {
        const posts = new pg.Client({ connectionString: graph.urls.posts });
        const media = new pg.Client({ connectionString: graph.urls.media });
        await Promise.all([posts.connect(), media.connect()]);
        try {
          const applied = () => count(media, `SELECT count(*)::int AS n FROM processed_events WHERE producer = 'posts'`);
          const base = await applied();
          const load = [os.loadavg()[0]];
          const started = Date.now();
          await posts.query(INSERT, [EVENTS]);
          let relayMs: number | undefined;
          await until('all applied', async () => {
            if (nats && relayMs === undefined && (await count(posts, `SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`)) === 0) {
              relayMs = Date.now() - started;
            }
            return (await applied()) >= base + EVENTS;
          });
          const appliedMs = Date.now() - started;
          load.push(os.loadavg()[0]);

          const before = await applied();
          for (let i = 0; i < SAMPLES; i++) {
            await posts.query(INSERT, [1]);
            await new Promise((resolve) => setTimeout(resolve, SAMPLE_EVERY_MS));
          }
          await until('samples applied', async () => (await applied()) >= before + SAMPLES);
          load.push(os.loadavg()[0]);
          const { rows } = await posts.query(`SELECT id::text, occurred_at FROM outbox_events ORDER BY position DESC LIMIT $1`, [SAMPLES]);
          const processed = await media.query(`SELECT event_id::text, processed_at FROM processed_events WHERE event_id = ANY($1::uuid[])`, [rows.map((r) => r.id)]);
          const at = new Map(processed.rows.map((r) => [r.event_id, (r.processed_at as Date).getTime()]));
          const latencies = rows.map((r) => at.get(r.id)! - (r.occurred_at as Date).getTime()).sort((a, b) => a - b);
          return {
            transport,
            appliedPerSecond: Math.round((EVENTS / appliedMs) * 1000),
            relayedPerSecond: relayMs === undefined ? undefined : Math.round((EVENTS / relayMs) * 1000),
            p50: percentile(latencies, 50),
            p99: percentile(latencies, 99),
            max: latencies[latencies.length - 1],
            load: load.map((l) => l.toFixed(2)).join(' → '),
          };
        } finally {
          await posts.end();
          await media.end();
        }
      },
    );
  } finally {
    await nats?.destroy();
  }
}

async function main() {
  console.log(`${EVENTS} events at once, then ${SAMPLES} one every ${SAMPLE_EVERY_MS} ms; ${os.cpus().length} cores, Node ${process.version}`);
  console.log('| transport | relayed to NATS (events/s) | applied by media (events/s) | commit→effect p50 ms | p99 ms | max ms | load average (1 min) |');
  console.log('|---|---:|---:|---:|---:|---:|---|');
  const transports = (values.transport ?? ['embedded', 'nats']) as ('embedded' | 'nats')[];
  for (const transport of transports) {
    const r = await measure(transport);
    console.log(`| ${r.transport} | ${r.relayedPerSecond ?? '—'} | ${r.appliedPerSecond} | ${r.p50} | ${r.p99} | ${r.max} | ${r.load} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
