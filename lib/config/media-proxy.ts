import type { TransferDeadlines } from '../http/stream-deadlines';
import { envInt, envMs } from './env';
import { transferDeadlinesConfig } from './transfers';

/** How a BFF's pass-through to media's file endpoints (bff/media-proxy.ts) bounds its clients and transfers. */
export interface MediaProxyOptions {
  /** How long media may take to answer a download's headers: media's subgraph timeout. `MEDIA_SUBGRAPH_TIMEOUT_MS`, @default 2000 */
  downloadTimeoutMs: number;
  /** How long an upload may wait for media's answer once its body is sent. `MEDIA_UPLOAD_TIMEOUT_MS`, @default 120000 */
  uploadTimeoutMs: number;
  /** Downloads in flight per client. `MEDIA_PROXY_DOWNLOADS_PER_CLIENT`, @default 16 */
  downloadsPerClient: number;
  /** How long a download over the bound waits for a slot. `MEDIA_PROXY_DOWNLOAD_WAIT_MS`, @default 2000 */
  downloadWaitMs: number;
  /** Uploads in flight per client. `MEDIA_PROXY_UPLOADS_PER_CLIENT`, @default 4 */
  uploadsPerClient: number;
  /** Anonymous clients are told apart by the last `X-Forwarded-For` hop. `TRUST_PROXY`, @default false */
  trustProxy: boolean;
  deadlines: TransferDeadlines;
}

/** Everything but `downloadTimeoutMs` (media's subgraph timeout) and `trustProxy`, which lib/config/bff.ts has read already. */
export function mediaProxyConfig(): Omit<MediaProxyOptions, 'downloadTimeoutMs' | 'trustProxy'> {
  return {
    uploadTimeoutMs: envMs('MEDIA_UPLOAD_TIMEOUT_MS', 120_000, { min: 100 }),
    downloadsPerClient: envInt('MEDIA_PROXY_DOWNLOADS_PER_CLIENT', 16, { min: 1 }),
    downloadWaitMs: envMs('MEDIA_PROXY_DOWNLOAD_WAIT_MS', 2_000, { min: 0 }),
    uploadsPerClient: envInt('MEDIA_PROXY_UPLOADS_PER_CLIENT', 4, { min: 1 }),
    deadlines: transferDeadlinesConfig(),
  };
}
