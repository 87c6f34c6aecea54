import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import Negotiator from 'negotiator';

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

/** Answers smaller than this go as they are: compressing them saves less than it costs. */
export const COMPRESS_ABOVE_BYTES = 1024;

/** negotiator 1 takes the server's preference for ties, which its published types do not describe yet. */
type EncodingNegotiator = { encoding(available: string[], options: { preferred: string[] }): string | undefined };

/**
 * The encoding of `available` (in the server's order of preference) the client accepts with the
 * highest weight, or undefined for none. Browsers send `gzip, deflate, br, zstd` with equal
 * weights, so the server's order decides: brotli, being smaller, comes first.
 */
export function acceptedEncoding(req: IncomingMessage, available: string[]): string | undefined {
  const chosen = (new Negotiator(req) as unknown as EncodingNegotiator).encoding([...available, 'identity'], { preferred: available });
  return chosen === 'identity' ? undefined : chosen;
}

/**
 * A JSON answer encoded as the client prefers (brotli, else gzip), or null when it is small or
 * the client accepts neither. Brotli at quality 4: the default (11) is for files compressed once,
 * and costs a per-request answer tens of milliseconds.
 */
export async function compressAnswer(req: IncomingMessage, body: string): Promise<{ encoding: string; body: Buffer } | null> {
  // Most API clients other than browsers ask for no encoding: no need to negotiate.
  if (!req.headers['accept-encoding'] || Buffer.byteLength(body) < COMPRESS_ABOVE_BYTES) return null;
  const encoding = acceptedEncoding(req, ['br', 'gzip']);
  if (encoding === 'br') return { encoding, body: await brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } }) };
  if (encoding === 'gzip') return { encoding, body: await gzip(body) };
  return null;
}
