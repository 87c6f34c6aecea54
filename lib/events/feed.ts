import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Caller } from '../identity/assertion';
import { ASSERTION_HEADER, BACKGROUND_HEADER } from '../identity/assertion';
import { HttpError, sendJson } from '../http/server';
import type { Logger } from '../telemetry/logger';
import { setConsumerLag } from '../telemetry/metrics';
import type { DomainEvent, Producer } from './catalogue';
import type { EventProcessor } from './consumer';
import { failureReason, readOutbox, toEvent, type SqlClient } from './outbox';

/** Where a producer serves its outbox as a feed, for the embedded transport. */
export const FEED_PATH = '/events';
const MAX_PAGE = 500;

/** A feed entry: the event and its position in the producer's outbox. */
export type FeedEvent = DomainEvent & { position: string };

/** The client name `npm run events -- tail` signs its reads with (a gateway key's, no user): it may read every feed and every lag. */
export const TAIL_CLIENT = 'events-tail';

/** What `GET /events/lag` answers: this service's consumers and how far behind each is. */
export interface LagReport {
  service: string;
  transport: 'nats' | 'embedded';
  lag: Record<string, number>;
}

/**
 * `GET /events?after=<position>&first=<1–500>`: the producer's outbox after `after`, oldest first,
 * with `head` (the newest position, for a follower's lag). `GET /events/lag`: `lag()`, for the tail
 * command. Only the services in `readers`, by their own service assertion with no user in it, may
 * read either, and the tail by a gateway key's; the BFFs' requests for clients never can.
 */
export function feedRoute(producer: Producer, db: SqlClient, readers: readonly string[], lag: () => LagReport) {
  return async (req: IncomingMessage, res: ServerResponse, rest: string, caller: Caller): Promise<void> => {
    if ((rest !== '' && rest !== '/lag') || req.method !== 'GET') throw new HttpError(404, 'NOT_FOUND', `Not found: the event feed is GET ${FEED_PATH}`);
    const reader = caller.service ? readers.includes(caller.service) : caller.client === TAIL_CLIENT;
    if (caller.viewer || !reader) throw new HttpError(403, 'FORBIDDEN', 'Only services that follow this feed may read it');
    if (rest === '/lag') return sendJson(res, 200, lag());
    const query = new URL(req.url ?? '/', 'http://service.invalid').searchParams;
    const after = query.get('after') ?? '0';
    const first = query.get('first') ?? '100';
    if (!/^\d{1,19}$/.test(after) || BigInt(after) > 2n ** 63n - 1n) throw new HttpError(400, 'BAD_USER_INPUT', '`after` must be a position: a whole number from 0');
    if (!/^\d{1,3}$/.test(first) || Number(first) < 1 || Number(first) > MAX_PAGE) throw new HttpError(400, 'BAD_USER_INPUT', `\`first\` must be 1–${MAX_PAGE}`);
    const { rows, head } = await readOutbox(db, BigInt(after), Number(first));
    sendJson(res, 200, {
      events: rows.map((row): FeedEvent => ({ ...toEvent(producer, row), position: String(row.position) })),
      head: String(head),
    });
  };
}

/** The positions of a feed are handed out at insert, not at commit: how long one may still appear below the newest seen. */
const SETTLE_MS = 5_000;
const PAGE = 100;

export interface FeedSource {
  producer: Producer;
  /** The producer's origin (its subgraph URL without /graphql). */
  origin: string;
}

/**
 * Follows one producer's feed for `processor`'s service: every `pollMs`, reads the events after
 * its cursor (kept in the consumer's own event_cursors, so restarts and outages lose nothing),
 * and hands them to the processor one at a time, in order. A failing event stops the pass there
 * and is tried again after its backoff, so the events behind it (some may be of the same
 * aggregate) wait: order per aggregate holds. The stored cursor moves only past events that are
 * done and settled (older than SETTLE_MS); each pass reads on from there to the end of the feed,
 * skipping what is processed, so a burst is not held back by the settling window.
 */
export function followFeed(
  source: FeedSource,
  processor: EventProcessor,
  db: SqlClient,
  { pollMs, sign }: { pollMs: number; sign: () => Promise<string> },
  logger: Logger,
) {
  const feed = `${source.producer}.outbox`;
  const attempts = new Map<string, { count: number; retryAt: number }>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  let lag = 0;
  // messaging_consumer_lag_seconds: the time since a pass last read the feed to its end (it grows through an outage).
  let caughtUpAt = Date.now();
  const reportLag = () => setConsumerLag(processor.service, feed, (Date.now() - caughtUpAt) / 1000);

  async function read(after: bigint): Promise<{ events: FeedEvent[]; head: string }> {
    const url = `${source.origin}${FEED_PATH}?after=${after}&first=${PAGE}`;
    const response = await fetch(url, {
      headers: { [ASSERTION_HEADER]: await sign(), [BACKGROUND_HEADER]: '1' },
      signal: AbortSignal.timeout(5_000),
    });
    if (!response.ok) throw new Error(`${source.producer} answered ${response.status} to its event feed`);
    return (await response.json()) as { events: FeedEvent[]; head: string };
  }

  async function cursor(): Promise<bigint> {
    const rows = await db.$queryRawUnsafe<{ position: bigint }[]>(`SELECT position FROM event_cursors WHERE feed = $1`, feed);
    return rows[0]?.position ?? 0n;
  }

  async function poll(): Promise<void> {
    const started = Date.now();
    const saved = await cursor();
    let settled = saved;
    let advancing = true;
    // Read past the settled cursor in this pass, page after page; the next pass starts again at the
    // cursor, so that an event committed late below the newest seen is still found.
    let readAfter = saved;
    for (;;) {
      const { events, head } = await read(readAfter);
      const done = await processor.processed(events.map((e) => e.id));
      let blocked = false;
      const settleBefore = Date.now() - SETTLE_MS;
      for (const event of events) {
        if (!done.has(event.id)) {
          const tried = attempts.get(event.id);
          if (tried && tried.retryAt > Date.now()) {
            blocked = true;
            break;
          }
          const { position: _position, ...body } = event;
          // A rejection (the consumer's database is down) ends this pass; the event is read again on the next.
          const outcome = await processor.process(body, (tried?.count ?? 0) + 1);
          if (!outcome.done) {
            attempts.set(event.id, { count: (tried?.count ?? 0) + 1, retryAt: Date.now() + outcome.retryInMs });
            blocked = true;
            break;
          }
          attempts.delete(event.id);
        }
        readAfter = BigInt(event.position);
        if (advancing && new Date(event.occurredAt).getTime() < settleBefore) settled = readAfter;
        else advancing = false;
      }
      lag = Math.max(0, Number(BigInt(head) - readAfter));
      if (!blocked && events.length < PAGE) caughtUpAt = started;
      if (blocked || events.length < PAGE) break;
    }
    if (settled !== saved) {
      await db.$executeRawUnsafe(
        `INSERT INTO event_cursors (feed, position, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (feed) DO UPDATE SET position = EXCLUDED.position, updated_at = now()`,
        feed,
        settled,
      );
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().finally(reportLag).then(
        () => {
          if (failing) logger.info({ producer: source.producer }, 'following events again');
          failing = false;
        },
        (error) => {
          // Once per outage, not once per poll.
          if (!failing) logger.warn({ producer: source.producer, reason: failureReason(error) }, 'cannot follow events; retrying');
          failing = true;
        },
      );
      void running.finally(schedule);
    }, pollMs);
  }
  schedule();

  return {
    /** Events in the producer's feed beyond those this consumer has handled (positions, so an estimate). */
    lag: () => lag,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
