import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { ROOT, readSupergraphConfig } from '../../lib/graphql/composition';
import { servicesFor, startDevLoop, type DevLoop } from '../../tooling/dev-loop';
import type { ServiceName } from '../../tooling/processes';
import { editPostType } from '../support/schema-edits';

/**
 * The dev loop on a scratch copy of the project's schemas and a few code files, watched for
 * real: which services a change restarts, and recomposition, through a composition error.
 */
const root = mkdtempSync(path.join(os.tmpdir(), 'fg-dev-loop-'));
const supergraph = path.join(root, 'supergraph.graphql');
const postsSchema = path.join(root, 'subgraphs', 'posts', 'schema.graphql');
const restarts: { service: ServiceName; reason: string }[] = [];
const lines: { level: number; msg: string; errors?: string[] }[] = [];
let loop: DevLoop;

beforeAll(async () => {
  cpSync(path.join(ROOT, 'supergraph.yaml'), path.join(root, 'supergraph.yaml'));
  for (const { schemaFile } of readSupergraphConfig()) {
    const copy = path.join(root, path.relative(ROOT, schemaFile));
    mkdirSync(path.dirname(copy), { recursive: true });
    cpSync(schemaFile, copy);
  }
  mkdirSync(path.join(root, 'bff'));
  writeFileSync(path.join(root, 'bff', 'gateway.ts'), 'export {};\n');
  writeFileSync(path.join(root, 'subgraphs', 'posts', 'resolvers.ts'), 'export {};\n');
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  loop = await startDevLoop({
    root,
    logger,
    restart: async (service, reason) => void restarts.push({ service, reason }),
  });
});
afterAll(async () => {
  await loop?.close();
  rmSync(root, { recursive: true, force: true });
});

async function eventually(check: () => boolean, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; log: ${JSON.stringify(lines)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const editPosts = (from: string, to: string) => writeFileSync(postsSchema, editPostType(readFileSync(postsSchema, 'utf8'), from, to));

it('maps a changed file to the services whose code holds it', () => {
  expect(servicesFor('subgraphs/posts/resolvers.ts')).toEqual(['posts']);
  expect(servicesFor('bff/gateway.ts')).toEqual(['bff-web', 'bff-mobile']);
  expect(servicesFor('bff-mobile/resolvers.ts')).toEqual(['bff-mobile']);
  expect(servicesFor('lib/http/server.ts')).toEqual(['users', 'posts', 'media', 'bff-web', 'bff-mobile']);
  expect(servicesFor('tooling/launch.ts')).toEqual([]);
  expect(servicesFor('subgraphs/codegen.yml')).toEqual([]);
});

it('composed the supergraph at start', () => {
  expect(readFileSync(supergraph, 'utf8')).toBe(readFileSync(path.join(ROOT, 'supergraph.graphql'), 'utf8'));
});

it('restarts the service whose code changed, and both BFFs for their shared code', async () => {
  writeFileSync(path.join(root, 'subgraphs', 'posts', 'resolvers.ts'), 'export const changed = 1;\n');
  await eventually(() => restarts.length === 1);
  expect(restarts).toEqual([{ service: 'posts', reason: 'subgraphs/posts/resolvers.ts changed' }]);
  writeFileSync(path.join(root, 'bff', 'gateway.ts'), 'export const changed = 1;\n');
  await eventually(() => restarts.length === 3);
  expect(restarts.slice(1).map((r) => r.service).sort()).toEqual(['bff-mobile', 'bff-web']);
});

it('recomposes on a schema change, shows a composition error and goes on', async () => {
  restarts.length = 0;
  editPosts('  publishedAt: DateTime\n', '  publishedAt: DateTime\n  subtitle: String\n');
  await eventually(() => readFileSync(supergraph, 'utf8').includes('subtitle: String'));
  expect(restarts.map((r) => r.service)).toEqual(['posts']);

  const composed = readFileSync(supergraph, 'utf8');
  editPosts('  subtitle: String\n', '  subtitle: Subtitle\n');
  await eventually(() => lines.some((l) => l.msg.startsWith('composition failed')));
  const failure = lines.find((l) => l.msg.startsWith('composition failed'))!;
  expect(failure.level).toBe(50);
  expect(failure.msg).toMatch(/\[posts\] Unknown type Subtitle/);
  expect(readFileSync(supergraph, 'utf8')).toBe(composed);

  editPosts('  subtitle: Subtitle\n', '  subtitle: String\n  headline: String\n');
  await eventually(() => readFileSync(supergraph, 'utf8').includes('headline: String'));
});
