import type { Logger } from '../telemetry/logger';

/** A clean-up that deletes what has expired and says how many rows went. */
export type PurgeTask = () => Promise<number>;

/**
 * Runs each task every `intervalMs`, logging `purged <what>` with the count when rows went and
 * a warning when a task fails (the next round tries again). The timer never keeps the process
 * alive; the function returned stops it.
 */
export function purgeEvery(intervalMs: number, logger: Logger, tasks: Record<string, PurgeTask>): () => void {
  const timer = setInterval(() => {
    for (const [what, task] of Object.entries(tasks)) {
      task().then(
        (count) => count && logger.info({ count }, `purged ${what}`),
        (error) => logger.warn({ err: error }, `could not purge ${what}`),
      );
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
