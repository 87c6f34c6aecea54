import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Deadlines for file transfers, so a client that stops reading or sending cannot hold a
 * connection (and what stands behind it: a pooled socket, an open file, an upload slot) for ever.
 * Built at start by lib/config/transfers.ts; BFFs and media use the same variables.
 */
export interface TransferDeadlines {
  /** A download whose client reads nothing for this long is cut. `MEDIA_DOWNLOAD_IDLE_TIMEOUT_MS`, @default 10000 */
  downloadIdleMs: number;
  /** The longest a download may take, however steadily it is read. `MEDIA_DOWNLOAD_TIMEOUT_MS`, @default 600000 */
  downloadTotalMs: number;
  /** An upload whose body sends nothing for this long is refused with 408 REQUEST_TIMEOUT. `MEDIA_UPLOAD_IDLE_TIMEOUT_MS`, @default 10000 */
  uploadIdleMs: number;
  /** The longest an upload's body may take to arrive (408 REQUEST_TIMEOUT past it). `MEDIA_UPLOAD_BODY_TIMEOUT_MS`, @default 300000 */
  uploadBodyMs: number;
}

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
