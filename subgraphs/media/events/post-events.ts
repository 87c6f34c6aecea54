import type { Logger } from '../../../lib/telemetry/logger';
import { setConsumerLag } from '../../../lib/telemetry/metrics';
import type { PrismaClient } from '../generated/prisma/client';
import type { BlobStore } from '../files/storage';
import { purgePostMedia } from '../files/uploads';
import type { PostsClient } from '../posts-client';

const FEED = 'posts.post_events';
/**
 * Events younger than this are read again on the next poll: positions are handed out when a
 * transaction inserts, not when it commits, so a slower transaction can still add an event
 * below the newest one seen. Handling an event twice is harmless (it is idempotent).
 */
const SETTLE_MS = 5_000;

/**
 * Follows the posts subgraph's event feed (through `posts`, its client, as the service `media`)
 * and removes the media of deleted posts: the records, then the files. The position reached is
 * kept in media's own database, so no event is missed across restarts or while posts is down.
 * Polls every `pollMs` (`MEDIA_EVENTS_POLL_MS`, default 1000). Its lag
 * (`messaging_consumer_lag_seconds`) is the time since a poll last read the feed to its end.
 */
export function followPostEvents(
  db: PrismaClient,
  store: BlobStore,
  posts: PostsClient,
  { pollMs: interval }: { pollMs: number },
  sign: () => Promise<string>,
  logger: Logger,
) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let failing = false;
  let caughtUpAt = Date.now();
  const reportLag = () => setConsumerLag('media', FEED, (Date.now() - caughtUpAt) / 1000);

  async function poll(): Promise<void> {
    const started = Date.now();
    for (;;) {
      const cursor = await db.eventCursor.findUnique({ where: { feed: FEED } });
      const after = cursor?.position ?? 0n;
      const events = await posts.postEvents(await sign(), after, 100);
      // The cursor moves past an event only when it and every event before it have settled.
      let settled = after;
      let advancing = true;
      const settleBefore = Date.now() - SETTLE_MS;
      for (const event of events) {
        if (event.type === 'DELETED') {
          const count = await purgePostMedia(db, store, event.postId, logger);
          if (count) logger.info({ postId: event.postId, count }, 'deleted the media of a deleted post');
        }
        if (advancing && new Date(event.createdAt).getTime() < settleBefore) settled = BigInt(event.position);
        else advancing = false;
      }
      if (settled !== after) {
        await db.eventCursor.upsert({ where: { feed: FEED }, create: { feed: FEED, position: settled }, update: { position: settled } });
      }
      if (events.length < 100 || settled === after) {
        caughtUpAt = started;
        return;
      }
    }
  }

  function schedule() {
    if (stopped) return;
    timer = setTimeout(() => {
      running = poll().finally(reportLag).then(
        () => {
          if (failing) logger.info('following posts events again');
          failing = false;
        },
        (error) => {
          // Logged once per outage, not once per poll.
          if (!failing) logger.warn({ err: error }, 'cannot follow posts events; retrying');
          failing = true;
        },
      );
      void running.finally(schedule);
    }, interval);
  }
  schedule();

  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
