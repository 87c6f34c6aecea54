import type { TransferDeadlines } from '../http/stream-deadlines';
import { envMs } from './env';

/** Deadlines of file transfers (lib/http/stream-deadlines.ts); the BFFs and media use the same variables. */
export function transferDeadlinesConfig(): TransferDeadlines {
  return {
    downloadIdleMs: envMs('MEDIA_DOWNLOAD_IDLE_TIMEOUT_MS', 10_000, { min: 100 }),
    downloadTotalMs: envMs('MEDIA_DOWNLOAD_TIMEOUT_MS', 600_000, { min: 100 }),
    uploadIdleMs: envMs('MEDIA_UPLOAD_IDLE_TIMEOUT_MS', 10_000, { min: 100 }),
    uploadBodyMs: envMs('MEDIA_UPLOAD_BODY_TIMEOUT_MS', 300_000, { min: 100 }),
  };
}
