import pg from 'pg';
import type { SubgraphName } from '../../lib/config/env';
import { seedAll } from '../../tooling/seed';
import { DEMO_PASSWORD } from '../../tooling/seed-plan';
import { jpeg } from '../support/images';
import { graphql, startStack, type Stack } from '../support/stack';
import { WebSession } from '../support/web';

/**
 * No hot query scans a large table: the statements the services really sent (captured with
 * DB_CAPTURE_STATEMENTS while the app's operations ran against thousands of rows) are each
 * EXPLAINed with the parameters they were sent with, and no plan may hold a sequential scan of a
 * table with more than LARGE rows.
 */
const LARGE = 1_000;
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ subgraphEnv: { DB_CAPTURE_STATEMENTS: 'true', EVENTS_POLL_MS: '1000' } });
  await seedAll(stack.databases.urls, { users: 300, postsPerUser: 20, mediaPerPost: 2 });
  for (const url of Object.values(stack.databases.urls)) await query(url, 'ANALYZE');
});
afterAll(() => stack?.stop());

async function query(url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, values);
  } finally {
    await client.end();
  }
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}
const scans = (node: PlanNode): PlanNode[] => [...(node['Node Type'] === 'Seq Scan' ? [node] : []), ...(node.Plans ?? []).flatMap(scans)];

/** Drives what the apps do: browse, read, sign in, write, upload, fetch files, delete. */
async function exerciseTheApps() {
  const feed = (after?: string) =>
    graphql(stack.web, `query($after: String) { posts(first: 20, after: $after) { nodes { id title author { handle avatar { url(size: THUMB) } } coverImage { url(size: SMALL) } media { id } } pageInfo { endCursor } } }`, { after });
  const first = await feed();
  await feed(first.body.data.posts.pageInfo.endCursor);
  const [post] = first.body.data.posts.nodes;
  const author = (await graphql(stack.web, `query($h: String!) { userByHandle(handle: $h) { id posts(first: 10) { nodes { id } } } }`, { h: post.author.handle })).body.data.userByHandle;
  await graphql(stack.web, `query($id: ID!) { post(id: $id) { title bodyHtml author { displayName } media { url(size: LARGE) owner { handle } } } }`, { id: post.id });
  await graphql(stack.web, `query($id: ID!) { user(id: $id) { handle } mediaList(first: 10, ownerId: $id) { nodes { id } } }`, { id: author.id });
  await graphql(stack.web, `query($p: ID!) { mediaList(first: 10, postId: $p) { nodes { id } } }`, { p: post.id });
  await graphql(stack.web, `{ mediaList(first: 10) { nodes { id } } users(first: 10) { nodes { handle } } }`);
  await graphql(stack.mobile, `{ feed(first: 10) { cards { id coverThumbUrl } } }`);

  const session = new WebSession(stack.web);
  await session.gql(`mutation { signIn(email: "grace@example.com", password: "${DEMO_PASSWORD}") { user { id } } }`);
  await session.gql(`{ me { handle posts(first: 5, status: DRAFT) { nodes { id } } } }`);
  const mine = (await session.gql(`mutation { createPost(input: { title: "plans", body: "x", status: PUBLISHED }) { id } }`)).body.data.createPost.id;
  await session.gql(`mutation($id: ID!) { updatePost(id: $id, input: { title: "plans, edited" }) { id } }`, { id: mine });
  const image = await jpeg(300, 200);
  const ticket = (await session.gql(`mutation($p: ID!, $b: Int!) { createUpload(postId: $p, kind: IMAGE, mimeType: "image/jpeg", bytes: $b) { url } }`, { p: mine, b: image.length })).body.data.createUpload;
  const uploaded = (await (await fetch(`${stack.web}${ticket.url}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: image })).json()) as { media: { id: string } };
  await (await fetch(`${stack.web}/media/${uploaded.media.id}/thumb`)).arrayBuffer();
  await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: mine });
  // Media follows posts' event feed: wait until it has deleted the post's media.
  const mediaDb = stack.databases.urls.media;
  for (let i = 0; i < 100 && (await query(mediaDb, 'SELECT 1 FROM media WHERE id = $1', [uploaded.media.id])).rowCount; i++) await new Promise((r) => setTimeout(r, 50));
  await session.gql(`mutation { signOut }`);
}

it('runs no sequential scan on a large table for any statement the apps cause', async () => {
  await exerciseTheApps();
  const offenders: string[] = [];
  let explained = 0;
  for (const name of ['users', 'posts', 'media'] as SubgraphName[]) {
    const url = stack.databases.urls[name];
    const sizes = new Map(
      (await query(url, `SELECT relname, reltuples FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace`)).rows.map((r) => [r.relname as string, Number(r.reltuples)]),
    );
    const statements = (await (await fetch(`${stack.subgraphs[name].origin}/debug/statements`)).json()) as { text: string; values: unknown[] }[];
    for (const { text, values } of statements) {
      if (!/^\s*(SELECT|UPDATE|DELETE|WITH)\b/i.test(text) || /^\s*SELECT 1\s*$/i.test(text)) continue;
      const [{ 'QUERY PLAN': [plan] }] = (await query(url, `EXPLAIN (FORMAT JSON) ${text}`, values)).rows;
      explained += 1;
      for (const scan of scans(plan.Plan)) {
        if ((sizes.get(scan['Relation Name'] ?? '') ?? 0) > LARGE) offenders.push(`${name}: Seq Scan on ${scan['Relation Name']} for ${text.replace(/\s+/g, ' ').slice(0, 200)}`);
      }
    }
  }
  // The large tables really are large, and the exercise reached every subgraph's hot paths.
  expect(Number((await query(stack.databases.urls.posts, 'SELECT count(*) FROM posts')).rows[0].count)).toBeGreaterThan(5_000);
  expect(explained).toBeGreaterThan(20);
  expect(offenders).toEqual([]);
});
