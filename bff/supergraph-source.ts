import { unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { SupergraphSdlHook } from '@apollo/gateway';
import { watch } from 'chokidar';
import type { SupergraphSourceConfig } from '../lib/config/bff';
import type { Logger } from '../lib/telemetry/logger';

export interface SupergraphSourceOptions extends SupergraphSourceConfig {
  /**
   * What the BFF serves of a supergraph (bff-web: its web contract), or an error when it cannot
   * serve it (bff-mobile: its supergraph operations no longer validate). Runs before any swap.
   */
  prepare: (supergraphSdl: string) => string;
  logger: Logger;
}

/**
 * The gateway's `supergraphSdl`: the supergraph file, then each new version of it (the file
 * changed, or `url` answers with a new text), prepared and handed to the gateway's `update`.
 * The gateway builds the new schema and query planner before it swaps them in, in one step;
 * requests already running keep the schema they started with. A supergraph that cannot be
 * prepared or built is refused and logged, and the one in use keeps serving.
 */
export function supergraphSource({ file, url, pollMs, prepare, logger }: SupergraphSourceOptions): SupergraphSdlHook {
  return async ({ update }) => {
    const log = logger.child({ component: 'supergraph' });
    // The file the BFF starts with must be servable: a bad one stops the start.
    let current = await readFile(file, 'utf8');
    const initial = prepare(current);
    // Versions are applied one at a time, in the order they were seen.
    let queue = Promise.resolve();
    const offer = (source: 'file' | 'url', read: () => Promise<string | undefined>) => {
      queue = queue.then(async () => {
        let text: string | undefined;
        try {
          text = await read();
        } catch (error) {
          // A file error by its code: its message names the path. fetch's messages name no address.
          log.warn({ source, reason: (error as NodeJS.ErrnoException).code ?? (error as Error).message }, 'could not read the supergraph; the current one keeps serving');
          return;
        }
        if (text === undefined || text === current) return;
        const started = performance.now();
        try {
          update(prepare(text));
        } catch (error) {
          log.error({ source, reason: firstLines((error as Error).message) }, 'refused a new supergraph; the current one keeps serving');
          return;
        }
        current = text;
        log.info({ source, ms: Math.round(performance.now() - started) }, 'supergraph updated');
      });
    };

    const watcher = watch(file, { ignoreInitial: true });
    const fromFile = () => offer('file', () => readFile(file, 'utf8'));
    watcher.on('add', fromFile).on('change', fromFile);
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
    // A symlink re-pointed to another file (`ln -sfn`, a release folder swapped in) raises no
    // event on the link: what it points to is stat'ed too, once a second.
    watchFile(file, { interval: 1_000 }, fromFile);

    let timer: NodeJS.Timeout | undefined;
    if (url) {
      // Only a change of what the URL serves is applied, so that a file swapped in later is not
      // undone by the next poll answering the same old text.
      let polled: string | undefined;
      const poll = () =>
        offer('url', async () => {
          const response = await fetch(url, { signal: AbortSignal.timeout(Math.min(pollMs, 5_000)) });
          if (!response.ok) {
            await response.body?.cancel();
            throw new Error(`HTTP ${response.status}`);
          }
          const text = await boundedText(response, MAX_SUPERGRAPH_BYTES);
          if (text === polled) return undefined;
          polled = text;
          return text;
        });
      poll();
      timer = setInterval(poll, pollMs);
    }
    return {
      supergraphSdl: initial,
      async cleanup() {
        clearInterval(timer);
        unwatchFile(file, fromFile);
        await watcher.close();
        await queue;
      },
    };
  };
}

/**
 * A supergraph is tens of kilobytes. What SUPERGRAPH_URL answers beyond this is no supergraph,
 * and is not held in memory (nor parsed) whatever the responder sends.
 */
export const MAX_SUPERGRAPH_BYTES = 5 * 1024 * 1024;

/** The body as text, or an error once it passes `limit` bytes (the rest is not read). */
async function boundedText(response: Response, limit: number): Promise<string> {
  if (Number(response.headers.get('content-length') ?? 0) > limit) {
    await response.body?.cancel();
    throw new Error(`answer over ${limit} bytes`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      // Leaving the loop cancels the stream: the rest of the body is not downloaded.
      if (size > limit) throw new Error(`answer over ${limit} bytes`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A composition error can list many problems: the first few say what is wrong. */
function firstLines(message: string): string {
  return message.split('\n').slice(0, 5).join('\n');
}
