/**
 * `npm run events -- tail [--from-start]`: prints every service's domain events as they are
 * written (read from each producer's outbox feed, whichever transport carries them), and each
 * consumer's lag whenever it changes. Reads as the client `events-tail`, signing with the gateway
 * key (`GATEWAY_SIGNING_KEY`, or the development key under `<DATA_DIR>/keys`); the subgraphs are
 * where `<NAME>_SUBGRAPH_URL` or supergraph.yaml say.
 */
import { eventsTailConfig } from '../lib/config/events';
import { PRODUCERS, type Producer } from '../lib/events/catalogue';
import { FEED_PATH, TAIL_CLIENT, type FeedEvent, type LagReport } from '../lib/events/feed';
import { ASSERTION_HEADER, BACKGROUND_HEADER, assertionSigner } from '../lib/identity/assertion';
import { loadSigningKey } from '../lib/identity/keys';

const EVERY_MS = 1_000;

async function main() {
  const [command, ...flags] = process.argv.slice(2);
  if (command !== 'tail' || flags.some((flag) => flag !== '--from-start')) {
    console.error('usage: npm run events -- tail [--from-start]');
    process.exit(2);
  }
  const config = eventsTailConfig();
  const sign = assertionSigner(await loadSigningKey(config.signingKey), TAIL_CLIENT);
  const read = async <T>(producer: Producer, query: string): Promise<T> => {
    const response = await fetch(`${config.origins[producer]}${FEED_PATH}${query}`, {
      headers: { [ASSERTION_HEADER]: await sign(producer, null), [BACKGROUND_HEADER]: '1' },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`${producer} answered ${response.status}`);
    return (await response.json()) as T;
  };

  const cursors = new Map<Producer, bigint>();
  const down = new Set<Producer>();
  let lastLag = '';
  for (;;) {
    const lags: string[] = [];
    for (const producer of PRODUCERS) {
      try {
        if (!cursors.has(producer)) {
          const { head } = await read<{ head: string }>(producer, '?after=0&first=1');
          cursors.set(producer, flags.includes('--from-start') ? 0n : BigInt(head));
        }
        for (;;) {
          const { events } = await read<{ events: FeedEvent[] }>(producer, `?after=${cursors.get(producer)}&first=500`);
          for (const event of events) {
            const { occurredAt, type, version, aggregateId, sequence, payload } = event;
            console.log(`${occurredAt} ${producer} ${type} v${version} ${aggregateId} #${sequence} ${JSON.stringify(payload)}`);
            cursors.set(producer, BigInt(event.position));
          }
          if (events.length < 500) break;
        }
        const report = await read<LagReport>(producer, '/lag');
        for (const [from, behind] of Object.entries(report.lag)) lags.push(`${report.service}←${from} ${behind}`);
        if (down.delete(producer)) console.error(`${producer}: reachable again`);
      } catch (error) {
        if (!down.has(producer)) console.error(`${producer}: cannot read its events (${(error as Error).message}); retrying`);
        down.add(producer);
      }
    }
    const lag = `lag (events not yet applied): ${lags.join(', ') || 'no consumer reachable'}`;
    if (lag !== lastLag) console.log(lag);
    lastLag = lag;
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
