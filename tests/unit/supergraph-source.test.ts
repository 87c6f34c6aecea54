import { mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { webSupergraphSdl } from '../../bff-web/contract';
import { MAX_SUPERGRAPH_BYTES, supergraphSource } from '../../bff/supergraph-source';
import { SUPERGRAPH_SDL } from '../../lib/graphql/composition';
import { eventually } from '../support/eventually';

/**
 * What SUPERGRAPH_URL answers is not trusted: a responder of the test's, on loopback, answers
 * too much, an error page or HTML. Each is refused with a log line that names neither the URL
 * nor the body, and the supergraph in use keeps serving; a real new supergraph still gets in.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-supergraph-source-'));
// A symlink to the release's file, as a deployment that swaps release folders has it.
const file = path.join(dir, 'supergraph.graphql');
const current = readFileSync(SUPERGRAPH_SDL, 'utf8');
const next = `${current}\n# the next release\n`;

type Answer = (res: http.ServerResponse) => void;
let answer: Answer = (res) => res.end(current);
/** How many bytes of the answers were written before the client went away. */
let written = 0;
const responder = http.createServer((_req, res) => answer(res));
let url = '';

const lines: { level: number; msg: string; reason?: string }[] = [];
const raw: string[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void (raw.push(line), lines.push(JSON.parse(line))) });
const updates: string[] = [];
let cleanup: (() => Promise<void>) | undefined;

beforeAll(async () => {
  writeFileSync(path.join(dir, 'release-1.graphql'), current);
  symlinkSync('release-1.graphql', file);
  await new Promise<void>((resolve) => responder.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(responder.address() as AddressInfo).port}/supergraph.graphql`;
  const hook = supergraphSource({ file, url, pollMs: 200, prepare: webSupergraphSdl, logger });
  const started = await hook({ update: (sdl) => void updates.push(sdl), healthCheck: async () => {}, getDataSource: () => undefined as never });
  cleanup = started.cleanup;
});
afterAll(async () => {
  await cleanup?.();
  responder.closeAllConnections();
  await new Promise((resolve) => responder.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

/** Serves `next` answer, and waits for the log line it should cause. */
async function serveUntilLogged(next: Answer, reason: RegExp) {
  const from = lines.length;
  answer = next;
  await eventually(async () => expect(lines.slice(from).map((l) => l.reason ?? '')).toEqual(expect.arrayContaining([expect.stringMatching(reason)])));
}

afterEach(() => {
  // Nothing the responder said reaches the log: not its address, not its body.
  for (const line of raw) {
    expect(line).not.toContain(url.split('/supergraph')[0]);
    expect(line).not.toContain('<html>');
  }
});

it('refuses an answer larger than a supergraph can be, without reading it whole', async () => {
  const chunk = Buffer.alloc(64 * 1024, 'a');
  await serveUntilLogged((res) => {
    // No content-length: the size shows only as the body streams in.
    written = 0;
    const pump = () => {
      while (written < 4 * MAX_SUPERGRAPH_BYTES && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  }, new RegExp(`^answer over ${MAX_SUPERGRAPH_BYTES} bytes$`));
  expect(written).toBeLessThan(4 * MAX_SUPERGRAPH_BYTES);
  expect(updates).toEqual([]);
});

it('refuses an answer that says it is too large, before its body', async () => {
  await serveUntilLogged((res) => {
    res.writeHead(200, { 'content-length': String(MAX_SUPERGRAPH_BYTES + 1) });
    res.write('a');
  }, /^answer over/);
  expect(updates).toEqual([]);
});

it('refuses an error page and an HTML answer; the current supergraph keeps serving', async () => {
  await serveUntilLogged((res) => res.writeHead(500).end('<html>internal error</html>'), /^HTTP 500$/);
  await serveUntilLogged((res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>a login page</html>'), /Syntax Error/);
  expect(updates).toEqual([]);
});

it('applies a new supergraph the URL serves once it answers properly again', async () => {
  answer = (res) => res.end(next);
  await eventually(async () => expect(updates).toHaveLength(1));
  expect(updates[0]).toBe(webSupergraphSdl(next));
});

it('applies the supergraph a re-pointed symlink names', async () => {
  const third = `${next}\n# the release after\n`;
  writeFileSync(path.join(dir, 'release-2.graphql'), third);
  // ln -sfn: a new link renamed over the old one.
  symlinkSync('release-2.graphql', path.join(dir, 'next-link'));
  renameSync(path.join(dir, 'next-link'), file);
  await eventually(async () => expect(updates).toHaveLength(2));
  expect(updates[1]).toBe(webSupergraphSdl(third));
});
