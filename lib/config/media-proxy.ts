import type { MediaProxyOptions } from '../../bff/media-proxy';
import { trustProxyConfig } from './http';
import { envInt } from './env';
import { transferDeadlinesConfig } from './transfers';

/** A BFF's pass-through to media's file endpoints (bff/media-proxy.ts); defaults in MediaProxyOptions. */
export function mediaProxyConfig(): Omit<MediaProxyOptions, 'downloadTimeoutMs'> {
  return {
    uploadTimeoutMs: envInt('MEDIA_UPLOAD_TIMEOUT_MS', 120_000, { min: 100 }),
    downloadsPerClient: envInt('MEDIA_PROXY_DOWNLOADS_PER_CLIENT', 16, { min: 1 }),
    downloadWaitMs: envInt('MEDIA_PROXY_DOWNLOAD_WAIT_MS', 2_000, { min: 0 }),
    uploadsPerClient: envInt('MEDIA_PROXY_UPLOADS_PER_CLIENT', 4, { min: 1 }),
    trustProxy: trustProxyConfig(),
    deadlines: transferDeadlinesConfig(),
  };
}
