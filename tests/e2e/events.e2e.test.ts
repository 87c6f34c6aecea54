import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import { jpeg } from '../support/images';
import { until } from '../support/until';
import { startServiceNats, type ServiceNats } from '../support/nats';
import { graphql, startStack, type Stack } from '../support/stack';
import { stopChild } from '../../tooling/processes';
import { subgraphUrlVariable } from '../../lib/config/subgraph-urls';
import { SUBGRAPHS } from '../../lib/config/env';
import { connectNats } from '../../lib/events/nats';
import { signUp, WebSession } from '../support/web';

/**
 * Events on the real processes, with each transport: deleting a user reaches every service within
 * 5 s; an unpublished post's media stop being served; and the guarantees: a producer that dies
 * between commit and publish publishes at restart, a consumer that dies mid-event has it
 * redelivered and applied once, a poison event is set aside with a log line while the others flow,
 * and (NATS) a broker down for 30 s loses and doubles nothing.
 */
const WITHIN_MS = 5_000;

describe.each(['embedded', 'nats'] as const)('events on the %s transport', (transport) => {
  let nats: ServiceNats | undefined;
  let stack: Stack;
  let postsDb: pg.Client;
  let mediaDb: pg.Client;

  beforeAll(async () => {
    // Each subgraph as its own user of deploy/nats/nats-server.conf.
    if (transport === 'nats') nats = await startServiceNats();
    stack = await startStack({
      subgraphEnv: {
        EVENTS_POLL_MS: '100',
        EVENTS_ACK_WAIT_MS: '2000',
        EVENTS_MAX_ATTEMPTS: '3',
        EVENTS_RETRY_BASE_MS: '100',
      },
      subgraphEnvOf: nats && Object.fromEntries(SUBGRAPHS.map((name) => [name, { NATS_URL: nats!.urlOf(name) }])),
      bffEnv: { REVOCATIONS_POLL_MS: '1000' },
    });
    postsDb = new pg.Client({ connectionString: stack.databases.urls.posts });
    mediaDb = new pg.Client({ connectionString: stack.databases.urls.media });
    await Promise.all([postsDb.connect(), mediaDb.connect()]);
  });
  afterAll(async () => {
    await postsDb?.end();
    await mediaDb?.end();
    await stack?.stop();
    await nats?.destroy();
  });

  async function newPost(session: WebSession, title: string): Promise<string> {
    const { body } = await session.gql(`mutation($t: String!) { createPost(input: { title: $t, body: "x", status: PUBLISHED }) { id } }`, { t: title });
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data.createPost.id;
  }

  /** Uploads an image through bff-web, to `postId` or as the avatar; its id. */
  async function upload(session: WebSession, postId: string | null): Promise<string> {
    const bytes = await jpeg(300, 200);
    const { body } = await session.gql(
      `mutation($p: ID, $b: Int!) { createUpload(postId: $p, kind: IMAGE, mimeType: "image/jpeg", bytes: $b) { url } }`,
      { p: postId, b: bytes.length },
    );
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    const response = await fetch(`${stack.web}${body.data.createUpload.url}`, { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: bytes });
    expect(response.status).toBe(201);
    return ((await response.json()) as { media: { id: string } }).media.id;
  }

  const filesOf = (mediaId: string, dir = stack.mediaDir): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? filesOf(mediaId, path.join(dir, entry.name)) : entry.name.includes(mediaId) || dir.includes(mediaId) ? [entry.name] : [],
    );
  const served = async (origin: string, mediaId: string) => (await fetch(`${origin}/media/${mediaId}/thumb`)).status === 200;
  const postSeen = async (postId: string) => {
    const web = await graphql(stack.web, `query($id: ID!) { post(id: $id) { id } }`, { id: postId });
    const mobile = await graphql(stack.mobile, `query($id: ID!) { post(id: $id) { id } }`, { id: postId });
    return web.body.data?.post != null || mobile.body.data?.post != null;
  };
  const mediaRows = async (column: 'owner_id' | 'post_id', id: string) =>
    (await mediaDb.query(`SELECT count(*)::int AS n FROM media WHERE ${column} = $1`, [id])).rows[0].n as number;
  const deadLetters = async () => (await mediaDb.query(`SELECT event_id::text, type, attempts FROM dead_letters`)).rows;

  it('deleting a user through bff-web leaves nothing of theirs reachable through either BFF or by file URL within 5 s', async () => {
    const { session, user } = await signUp(stack.web);
    const posts = [await newPost(session, 'first'), await newPost(session, 'second')];
    const media = [await upload(session, posts[0]), await upload(session, posts[1]), await upload(session, null)];
    for (const id of media) expect(await served(stack.web, id)).toBe(true);
    for (const id of posts) expect(await postSeen(id)).toBe(true);

    const { body } = await session.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: user.id });
    expect(body.data.deleteUser).toBe(user.id);
    const started = Date.now();
    await until('nothing of theirs reachable', async () => {
      for (const id of posts) if (await postSeen(id)) return false;
      for (const id of media) if ((await served(stack.web, id)) || (await served(stack.mobile, id))) return false;
      return true;
    }, WITHIN_MS);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan(WITHIN_MS);
    const profile = await graphql(stack.mobile, `query($h: String!) { profile(handle: $h) { handle } }`, { h: user.handle });
    expect(profile.body.data.profile).toBeNull();
    // Records and files are gone, not merely hidden.
    expect(await mediaRows('owner_id', user.id)).toBe(0);
    await until('files deleted', async () => media.every((id) => filesOf(id).length === 0), WITHIN_MS);
    expect((await postsDb.query(`SELECT count(*)::int AS n FROM posts WHERE author_id = $1`, [user.id])).rows[0].n).toBe(0);
  });

  it("stops serving an unpublished post's media to others within 5 s, and still serves it to its author", async () => {
    const { session } = await signUp(stack.web);
    const postId = await newPost(session, 'going back to draft');
    const mediaId = await upload(session, postId);
    expect(await served(stack.web, mediaId)).toBe(true);
    const { body } = await session.gql(`mutation($id: ID!) { updatePost(id: $id, input: { status: DRAFT }) { status } }`, { id: postId });
    expect(body.data.updatePost.status).toBe('DRAFT');
    await until('hidden from others', async () => !(await served(stack.web, mediaId)) && !(await served(stack.mobile, mediaId)), WITHIN_MS);
    const own = await fetch(`${stack.web}/media/${mediaId}/thumb`, { headers: { origin: 'http://app.test', cookie: session.cookie! } });
    expect(own.status).toBe(200);
  });

  it('publishes an event committed just before its producer died, once the producer is back', async () => {
    const { session } = await signUp(stack.web);
    const postId = await newPost(session, 'deleted, then posts dies');
    const mediaId = await upload(session, postId);
    // With NATS down, the relay cannot publish: the deletion commits and its event stays in the outbox.
    await nats?.stop();
    try {
      const { body } = await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: postId });
      expect(body.data.deletePost).toBe(postId);
      stack.subgraphs.posts.child.kill('SIGKILL');
      await stack.subgraphs.posts.exited;
    } finally {
      await nats?.start();
    }
    await stack.startSubgraph('posts');
    await until('the post’s media deleted', async () => (await mediaRows('post_id', postId)) === 0);
    expect(await served(stack.web, mediaId)).toBe(false);
    if (transport === 'nats') {
      const { rows } = await postsDb.query(`SELECT published_at FROM outbox_events WHERE aggregate_id = $1 AND type = 'PostDeleted'`, [postId]);
      expect(rows[0].published_at).not.toBeNull();
    }
  });

  it('redelivers an event whose consumer died in the middle of it, and applies it once', async () => {
    const { session } = await signUp(stack.web);
    const postId = await newPost(session, 'media dies while deleting its media');
    await upload(session, postId);
    // Hold the media rows: media's handler blocks inside its transaction, mid-event.
    const holder = new pg.Client({ connectionString: stack.databases.urls.media });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM media WHERE post_id = $1 FOR UPDATE', [postId]);
      await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: postId });
      await until('media blocked in the event', async () => {
        const { rows } = await mediaDb.query(`SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM "public"."media"%'`);
        return rows.length > 0;
      });
      stack.subgraphs.media.child.kill('SIGKILL');
      await stack.subgraphs.media.exited;
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // Nothing of the event survived the crash.
    expect(await mediaRows('post_id', postId)).toBe(1);
    await stack.startSubgraph('media');
    await until('the event applied after restart', async () => (await mediaRows('post_id', postId)) === 0);
    const [{ id }] = (await postsDb.query(`SELECT id::text FROM outbox_events WHERE aggregate_id = $1 AND type = 'PostDeleted'`, [postId])).rows;
    expect((await mediaDb.query(`SELECT count(*)::int AS n FROM processed_events WHERE event_id = $1`, [id])).rows[0].n).toBe(1);
    expect(await deadLetters()).toEqual([]);
  });

  it('sets a poison event aside with a log line, and the events after it flow on', async () => {
    const poison = '00000000-0000-4000-8000-00000000dead';
    await postsDb.query(
      `INSERT INTO outbox_events (id, aggregate_id, sequence, type, version, payload) VALUES ($1, gen_random_uuid(), 1, 'PostDeleted', 1, '{"postId":"<script>"}')`,
      [poison],
    );
    const { session } = await signUp(stack.web);
    const postId = await newPost(session, 'after the poison');
    await upload(session, postId);
    await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: postId });
    await until('the next event applied', async () => (await mediaRows('post_id', postId)) === 0);
    expect(await deadLetters()).toEqual([{ event_id: poison, type: 'PostDeleted', attempts: 1 }]);
    const line = stack.subgraphs.media.output.find((l) => l.includes('dead-lettered an event') && l.includes(poison));
    expect(line).toBeDefined();
    expect(line).not.toContain('<script>');
  });

  it('npm run events -- tail prints events as they flow, and each consumer’s lag', async () => {
    const env = {
      ...process.env,
      GATEWAY_SIGNING_KEY: stack.gatewayKey,
      ...Object.fromEntries(Object.values(stack.subgraphs).map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`])),
    };
    const tail = spawn(process.execPath, ['--import', 'tsx', 'scripts/events.ts', 'tail'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let printed = '';
    tail.stdout.on('data', (chunk) => (printed += chunk));
    try {
      await until('the lag printed', async () => /lag \(events not yet applied\): .*media←posts \d+/.test(printed));
      const { session } = await signUp(stack.web);
      const postId = await newPost(session, 'tailed');
      await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: postId });
      await until('the deletion printed', async () => new RegExp(`posts PostDeleted v1 ${postId} #2 `).test(printed));
      expect(printed).toMatch(new RegExp(`posts PostPublished v1 ${postId} #1 `));
    } finally {
      await stopChild(tail);
    }
  });

  if (transport === 'nats') {
    it('applies every deletion made while the broker was down for 30 s once it is back, none twice', async () => {
      const { session, user } = await signUp(stack.web);
      const doomed = [await newPost(session, 'one'), await newPost(session, 'two'), await newPost(session, 'three')];
      for (const id of doomed) await upload(session, id);
      const other = await signUp(stack.web);
      await newPost(other.session, 'theirs');
      await upload(other.session, null);
      await nats!.stop();
      const outageEnds = Date.now() + 30_000;
      try {
        await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: doomed[0] });
        await session.gql(`mutation($id: ID!) { deletePost(id: $id) }`, { id: doomed[1] });
        await other.session.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: other.user.id });
        // Through the outage nothing is published and nothing applied, but the services serve.
        while (Date.now() < outageEnds) {
          expect((await postsDb.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`)).rows[0].n).toBeGreaterThanOrEqual(2);
          expect(await mediaRows('post_id', doomed[0])).toBe(1);
          expect((await graphql(stack.web, `{ posts(first: 1) { nodes { id } } }`)).body.errors).toBeUndefined();
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      } finally {
        await nats!.start();
      }
      await until('every effect applied', async () => (await mediaRows('post_id', doomed[0])) === 0 && (await mediaRows('post_id', doomed[1])) === 0 && (await mediaRows('owner_id', other.user.id)) === 0, 60_000);
      expect(await mediaRows('post_id', doomed[2])).toBe(1);
      expect(await mediaRows('owner_id', user.id)).toBe(1);
      // None twice: NATS holds each event once (Nats-Msg-Id), and each media record was deleted once.
      await until('all published', async () => (await postsDb.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`)).rows[0].n === 0);
      const outbox = (await postsDb.query(`SELECT count(*)::int AS n FROM outbox_events`)).rows[0].n;
      const nc = await connectNats(nats!.operatorUrl, 'operator');
      try {
        expect((await (await jetstreamManager(nc)).streams.info('EVENTS_POSTS')).state.messages).toBe(outbox);
      } finally {
        await nc.close();
      }
      const { rows } = await mediaDb.query(`SELECT aggregate_id, count(*)::int AS n FROM outbox_events WHERE type = 'MediaDeleted' GROUP BY aggregate_id`);
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    }, 120_000);
  }
});
