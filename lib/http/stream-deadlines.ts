import type { IncomingMessage, ServerResponse } from 'node:http';
import { envInt } from '../config/env';

/**
 * Deadlines for file transfers, so a client that stops reading or sending cannot hold a
 * connection (and what stands behind it: a pooled socket, an open file, an upload slot) for ever.
 * Read at start; BFFs and media use the same variables.
 */
export function transferDeadlines() {
  return {
    /** A download whose client reads nothing for this long is cut. */
    downloadIdleMs: envInt('MEDIA_DOWNLOAD_IDLE_TIMEOUT_MS', 10_000, { min: 100 }),
    /** The longest a download may take, however steadily it is read. */
    downloadTotalMs: envInt('MEDIA_DOWNLOAD_TIMEOUT_MS', 600_000, { min: 100 }),
    /** An upload whose body sends nothing for this long is refused with 408 REQUEST_TIMEOUT. */
    uploadIdleMs: envInt('MEDIA_UPLOAD_IDLE_TIMEOUT_MS', 10_000, { min: 100 }),
    /** The longest an upload's body may take to arrive (408 REQUEST_TIMEOUT past it). */
    uploadBodyMs: envInt('MEDIA_UPLOAD_BODY_TIMEOUT_MS', 300_000, { min: 100 }),
  };
}
export type TransferDeadlines = ReturnType<typeof transferDeadlines>;

/**
 * Cuts a response being streamed when its client reads nothing for `idleMs` (the socket sees no
 * activity: its buffers are full) or it is still going after `totalMs`. Returns a function that
 * disarms both (call it when the response is done).
 */
export function guardDownload(res: ServerResponse, idleMs: number, totalMs: number, onCut: (reason: 'idle' | 'total') => void): () => void {
  const cut = (reason: 'idle' | 'total') => {
    disarm();
    onCut(reason);
    res.destroy();
  };
  const total = setTimeout(() => cut('total'), totalMs);
  const idle = () => cut('idle');
  res.setTimeout(idleMs, idle);
  function disarm() {
    clearTimeout(total);
    res.off('timeout', idle);
    if (!res.writableFinished) res.socket?.setTimeout(0);
  }
  res.once('close', disarm);
  return disarm;
}

/**
 * Watches an upload's body as it arrives: `onLate` runs once when no byte came for `idleMs`, or the
 * body is not complete after `totalMs`. Returns a function that disarms the watch.
 */
export function watchUploadBody(req: IncomingMessage, idleMs: number, totalMs: number, onLate: (reason: 'idle' | 'total') => void): () => void {
  let idle: NodeJS.Timeout;
  const late = (reason: 'idle' | 'total') => {
    disarm();
    onLate(reason);
  };
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => late('idle'), idleMs);
  };
  const total = setTimeout(() => late('total'), totalMs);
  function disarm() {
    clearTimeout(idle);
    clearTimeout(total);
    req.off('data', arm);
    req.off('end', disarm);
    req.off('close', disarm);
  }
  arm();
  req.on('data', arm);
  req.once('end', disarm);
  req.once('close', disarm);
  return disarm;
}
