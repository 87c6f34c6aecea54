import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildManifest } from '../../bff-mobile/manifest';
import { MobileClient } from '../../bff-mobile/client/client';
import { readManifest, type PersistedQueryManifest } from '../../bff-mobile/safelist';
import { ROOT } from '../../lib/graphql/composition';
import { seedAll } from '../../tooling/seed';
import { composeWithPosts, editPostType } from '../support/schema-edits';
import { startStack, type Stack } from '../support/stack';

/**
 * An installed older app keeps working: bff-mobile in production (safelist) mode, with the
 * manifest of the previous app version kept beside the current app's, after a compatible change
 * of the schema (posts gained a field).
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-old-app-'));
const manifests = path.join(dir, 'manifests');

/** Version 0.9.0 of the app: its feed had no excerpts and no media counts yet. */
function previousAppManifest(): PersistedQueryManifest {
  const operations = path.join(dir, 'operations-0.9.0');
  cpSync(path.join(ROOT, 'bff-mobile', 'client', 'operations'), operations, { recursive: true });
  const feed = path.join(operations, 'feed.graphql');
  const text = readFileSync(feed, 'utf8');
  const older = text.replace(/\n\s+(excerpt|imageCount|videoCount)(?=\n)/g, '');
  expect(older).not.toBe(text);
  writeFileSync(feed, older);
  return buildManifest(operations, path.join(ROOT, 'bff-mobile', 'schema.graphql'));
}

/** The supergraph after a compatible change: posts' Post gained a nullable field. */
const supergraphWithNewField = () => composeWithPosts(dir, (sdl) => editPostType(sdl, '  publishedAt: DateTime\n', '  publishedAt: DateTime\n  subtitle: String\n'));

const previous = previousAppManifest();
const current = readManifest();
let stack: Stack;
beforeAll(async () => {
  mkdirSync(manifests);
  writeFileSync(path.join(manifests, '0.9.0.json'), JSON.stringify(previous));
  const supergraph = path.join(dir, 'supergraph.graphql');
  writeFileSync(supergraph, supergraphWithNewField());
  stack = await startStack({
    bffEnv: { NODE_ENV: 'production', WEB_PUBLIC_ORIGIN: 'http://app.test', MOBILE_MANIFESTS_DIR: manifests, SUPERGRAPH_PATH: supergraph },
  });
  await seedAll(stack.databases.urls, { users: 2, postsPerUser: 3, mediaPerPost: 1 });
});
afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends an operation the way a production app does: its hash only. */
async function byHash(id: string, variables: Record<string, unknown>) {
  const response = await fetch(`${stack.mobile}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }),
  });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: { extensions?: { code?: string } }[] } };
}

describe('an older app version', () => {
  const oldFeed = previous.operations.find((op) => op.name === 'Feed')!;

  it('is a different set of operations from the current app’s', () => {
    expect(current.operations.map((op) => op.id)).not.toContain(oldFeed.id);
    expect(readdirSync(manifests)).toEqual(['0.9.0.json']);
  });

  it('still runs its operations, by hash, in production mode after a compatible schema change', async () => {
    const { status, body } = await byHash(oldFeed.id, { first: 2 });
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(body.data.feed.cards).toHaveLength(2);
    expect(Object.keys(body.data.feed.cards[0]).sort()).toEqual(['authorAvatarThumbUrl', 'authorHandle', 'coverThumbUrl', 'id', 'publishedAt', 'title']);
  });

  it('runs beside the current app, and an operation of no supported version is still refused', async () => {
    const feed = await new MobileClient({ baseUrl: stack.mobile }).feed(2);
    expect(feed.cards[0].excerpt).toEqual(expect.any(String));
    const unknown = await byHash('0'.repeat(64), {});
    expect([unknown.status, unknown.body.errors?.[0].extensions?.code]).toEqual([400, 'PERSISTED_QUERY_NOT_IN_LIST']);
  });
});
