/**
 * `npm run drill`: the kill drill. Runs `npm start` (the start script, on the embedded database
 * in a temporary DATA_DIR, every service on a free loopback port), keeps a client reading (posts
 * with media through bff-web, the feed through bff-mobile) and writing (createPost as the signed-in
 * demo user grace, through both BFFs), kills each service in turn with SIGKILL, then the embedded
 * PostgreSQL's postmaster, and reports per kill: how long until the supervisor noticed and had
 * restarted it, requests failed / partial / total during the outage by BFF, whether posts were
 * still served (with media null) while media was down, how long from the restart until full
 * answers again, and at the end whether every acknowledged write is there.
 *
 *   npm run drill -- --clients 2 --max-requests 50000
 *
 * Bounded: at most `--max-requests` requests, and each outage is given up on after 60 s. Loopback
 * only. Nothing here is a test: it reports figures (BENCHMARKS.md, "Kill drill").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { MobileClient } from '../bff-mobile/client/client';
import { ROOT } from '../lib/graphql/composition';
import { freeStartPorts, groupAlive, postmasterPid, servicePid, startEnv } from '../tooling/process-tree';
import { waitUntilReady, type ServiceName } from '../tooling/processes';
import { DEMO_PASSWORD } from '../tooling/seed-plan';

const { values } = parseArgs({
  options: { clients: { type: 'string', default: '2' }, 'max-requests': { type: 'string', default: '50000' } },
});
const CLIENTS = Number(values.clients);
const MAX_REQUESTS = Number(values['max-requests']);
const OUTAGE_LIMIT_MS = 60_000;
const EMAIL = 'grace@example.com';

type Target = ServiceName | 'postgres';
const TARGETS: Target[] = ['media', 'users', 'posts', 'bff-web', 'bff-mobile', 'postgres'];
type Bff = 'web' | 'mobile';
type Outcome = 'ok' | 'partial' | 'failed';
interface Sample {
  bff: Bff;
  kind: 'read' | 'write';
  at: number;
  outcome: Outcome;
  /** A read whose posts came with their text and media null, the only errors being media's. */
  mediaMasked?: boolean;
}
interface GraphQLBody {
  data?: any;
  errors?: { extensions?: { code?: string; serviceName?: string } }[];
}

const FRESH = { 'cache-control': 'no-cache' };
const WEB_QUERY = `{ posts(first: 5) { nodes { id title author { handle } media { kind url(size: THUMB) } coverImage { alt } } } }`;

function classify(status: number, body: GraphQLBody | undefined, hasData: (data: any) => boolean): Sample['outcome'] {
  if (status !== 200 || !body?.data || !hasData(body.data)) return 'failed';
  return body.errors?.length ? 'partial' : 'ok';
}

function onlyMediaErrors(body: GraphQLBody | undefined): boolean {
  return !!body?.errors?.length && body.errors.every((e) => e.extensions?.serviceName === 'media' && /^SUBGRAPH_/.test(e.extensions.code ?? ''));
}

async function main() {
  const loadAtStart = os.loadavg()[0].toFixed(1);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fg-drill-'));
  const ports = await freeStartPorts();
  const portOf = (name: ServiceName) => ({ 'bff-web': ports.web, 'bff-mobile': ports.mobile, users: ports.users, posts: ports.posts, media: ports.media })[name];
  const origin = (name: ServiceName) => `http://127.0.0.1:${portOf(name)}`;
  const env = startEnv(ports, dataDir);
  const start: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  /** The start script's own log lines (the supervisor's), with the time each was written. */
  const supervisorLog: { at: number; msg: string; startMs?: number }[] = [];
  const tail: string[] = [];
  for (const stream of [start.stdout!, start.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 200) tail.shift();
      // Only the start script's own lines (the supervisor's) are read; the services' are many.
      if (!line.includes('"service":"start"')) return;
      try {
        const entry = JSON.parse(line);
        if (entry.service === 'start') supervisorLog.push({ at: Date.parse(entry.time), msg: entry.msg, startMs: entry.startMs });
      } catch {
        // the banner
      }
    });
  }
  const stopStart = async () => {
    if (start.exitCode !== null || !start.pid) return;
    process.kill(start.pid, 'SIGTERM');
    const deadline = Date.now() + 30_000;
    while (groupAlive(start.pid) && Date.now() < deadline) await sleep(100);
    if (groupAlive(start.pid)) process.kill(-start.pid, 'SIGKILL');
  };

  try {
    const began = Date.now();
    for (const name of ['users', 'posts', 'media', 'bff-web', 'bff-mobile'] as const) {
      await waitUntilReady(origin(name), 180_000).catch((error) => {
        throw new Error(`${error.message}\n${tail.join('\n')}`);
      });
    }
    console.error(`npm start ready in ${((Date.now() - began) / 1000).toFixed(1)} s`);

    // The clients: one signed-in writer and reader per BFF.
    const cookies = new Map<string, string>();
    const web = async (query: string, variables: Record<string, unknown> = {}) => {
      const response = await fetch(`${origin('bff-web')}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...FRESH, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(15_000),
      });
      for (const c of response.headers.getSetCookie()) cookies.set(c.split('=')[0], c.split(';')[0].split('=').slice(1).join('='));
      return { status: response.status, body: (await response.json().catch(() => undefined)) as GraphQLBody | undefined };
    };
    // A cold service on a busy machine may miss the BFF's timeout on its first request: a few tries.
    await attempts(5, async () => {
      const signedIn = await web(`mutation($email: String!, $password: String!) { signIn(email: $email, password: $password) { user { handle } } }`, { email: EMAIL, password: DEMO_PASSWORD });
      if (!signedIn.body?.data?.signIn) throw new Error(`bff-web sign-in failed: ${JSON.stringify(signedIn.body)}`);
    });
    const freshFetch: typeof fetch = (input, init) =>
      fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...FRESH }, signal: AbortSignal.timeout(15_000) });
    const mobile = new MobileClient({ baseUrl: origin('bff-mobile'), fetch: freshFetch });
    await attempts(5, () => mobile.signIn(EMAIL, DEMO_PASSWORD));

    const samples: Sample[] = [];
    const acknowledged: { title: string; id: string; bff: Bff }[] = [];
    const unacknowledged: { title: string; bff: Bff; at: number }[] = [];
    let written = 0;
    let running = true;
    const t = () => Date.now();

    const readWeb = async (): Promise<Sample> => {
      const at = t();
      try {
        const { status, body } = await web(WEB_QUERY);
        const outcome = classify(status, body, (d) => d.posts?.nodes?.length === 5);
        const masked = outcome === 'partial' && onlyMediaErrors(body) && body!.data.posts.nodes.every((n: any) => n.media === null && n.title && n.author);
        return { bff: 'web', kind: 'read', at, outcome, mediaMasked: masked };
      } catch {
        return { bff: 'web', kind: 'read', at, outcome: 'failed' };
      }
    };
    const readMobile = async (): Promise<Sample> => {
      const at = t();
      try {
        const result = await mobile.execute<{ feed: { cards: any[] } }>('Feed', { first: 5 });
        const ok = result.data.feed?.cards?.length === 5;
        const outcome: Outcome = !ok ? 'failed' : result.errors.length ? 'partial' : 'ok';
        const masked = outcome === 'partial' && onlyMediaErrors(result as GraphQLBody) && result.data.feed.cards.every((c) => c.coverThumbUrl === null && c.title);
        return { bff: 'mobile', kind: 'read', at, outcome, mediaMasked: masked };
      } catch {
        return { bff: 'mobile', kind: 'read', at, outcome: 'failed' };
      }
    };
    const write = async (bff: Bff): Promise<Sample> => {
      const at = t();
      const title = `drill ${bff} ${++written}`;
      try {
        let id: string | undefined;
        if (bff === 'web') {
          const { body } = await web(`mutation($input: CreatePostInput!) { createPost(input: $input) { id } }`, { input: { title, body: 'written during the kill drill', status: 'PUBLISHED' } });
          id = body?.data?.createPost?.id;
        } else {
          id = (await mobile.createPost(title, 'written during the kill drill')).id;
        }
        if (!id) throw new Error('no id');
        acknowledged.push({ title, id, bff });
        return { bff, kind: 'write', at, outcome: 'ok' };
      } catch {
        // When the answer (or its absence) came: a request in flight at the kill fails after it.
        unacknowledged.push({ title, bff, at: t() });
        return { bff, kind: 'write', at, outcome: 'failed' };
      }
    };
    // Each client: a read on each BFF, and every fifth round a write on each; paced at ~20 ms.
    const clients = Array.from({ length: CLIENTS }, async () => {
      for (let round = 0; running && samples.length < MAX_REQUESTS; round++) {
        const batch = [readWeb(), readMobile(), ...(round % 5 === 0 ? [write('web'), write('mobile')] : [])];
        samples.push(...(await Promise.all(batch)));
        await sleep(20);
      }
    });

    /** Both BFFs give complete answers: posts with media, feed cards with covers, no errors. */
    const full = async () => {
      const [w, m] = await Promise.all([readWeb(), readMobile()]);
      return w.outcome === 'ok' && m.outcome === 'ok';
    };
    const readyAgain = async (target: Target) => {
      const names: ServiceName[] = target === 'postgres' ? ['users', 'posts', 'media'] : [target];
      for (const name of names) {
        try {
          if (!(await fetch(`${origin(name)}/ready`, { signal: AbortSignal.timeout(2_000) })).ok) return false;
        } catch {
          return false;
        }
      }
      return true;
    };

    const rows: string[][] = [];
    const windows: { target: Target; from: number; to: number }[] = [];
    for (const target of TARGETS) {
      await waitFor(full, OUTAGE_LIMIT_MS);
      await sleep(1_000);
      const pid = target === 'postgres' ? postmasterPid(dataDir) : servicePid(start.pid!, target);
      if (!pid) throw new Error(`${target} is not running`);
      const logMark = supervisorLog.length;
      const killedAt = t();
      process.kill(pid, 'SIGKILL');
      const seen = (pattern: string) => supervisorLog.slice(logMark).find((l) => l.msg.startsWith(pattern));
      const noticed = await waitFor(() => seen(`${target} exited with signal SIGKILL`), OUTAGE_LIMIT_MS);
      const restarted = await waitFor(() => seen(`${target} restarted`), OUTAGE_LIMIT_MS);
      const readyAt = (await waitFor(() => readyAgain(target), OUTAGE_LIMIT_MS)) && t();
      await waitFor(full, OUTAGE_LIMIT_MS);
      const fullAt = t();
      windows.push({ target, from: killedAt, to: fullAt });
      const during = samples.filter((s) => s.at >= killedAt && s.at < fullAt);
      const by = (bff: Bff) => {
        const list = during.filter((s) => s.bff === bff);
        return `${list.filter((s) => s.outcome === 'failed').length} / ${list.filter((s) => s.outcome === 'partial').length} / ${list.length}`;
      };
      // While it was down: from the kill until its /ready answered again.
      const reads = samples.filter((s) => s.kind === 'read' && s.at >= killedAt && s.at < (readyAt || fullAt));
      const maskedNote =
        target === 'media'
          ? `${reads.filter((s) => s.mediaMasked).length} of ${reads.length} reads while down: posts with media null (web ${reads.filter((s) => s.bff === 'web' && s.mediaMasked).length}, mobile ${reads.filter((s) => s.bff === 'mobile' && s.mediaMasked).length})`
          : '';
      rows.push([
        target,
        noticed ? String(noticed.at - killedAt) : '—',
        restarted ? String(restarted.at - killedAt) : '—',
        restarted?.startMs !== undefined ? String(restarted.startMs) : '—',
        readyAt ? String(readyAt - killedAt) : '—',
        readyAt ? String(fullAt - readyAt) : '—',
        String(fullAt - killedAt),
        by('web'),
        by('mobile'),
        maskedNote,
      ]);
      console.error(`killed ${target}: full answers again after ${fullAt - killedAt} ms`);
    }
    running = false;
    await Promise.all(clients);

    // Every acknowledged write is there, once.
    const titles = new Map<string, number>();
    for (let after: string | null = null, more = true; more; ) {
      const { body } = await web(`query($after: String) { posts(first: 100, after: $after) { nodes { title } pageInfo { hasNextPage endCursor } } }`, { after });
      const page = body!.data.posts;
      for (const node of page.nodes) titles.set(node.title, (titles.get(node.title) ?? 0) + 1);
      more = page.pageInfo.hasNextPage;
      after = page.pageInfo.endCursor;
    }
    const lost = acknowledged.filter((w) => titles.get(w.title) !== 1);
    const doneAnyway = unacknowledged.filter((w) => titles.has(w.title));
    const during = (w: { at: number; bff: Bff }) => `${w.bff}, answered during the ${windows.find((o) => w.at >= o.from && w.at < o.to)?.target ?? 'no'} outage`;

    const lines: string[] = [];
    lines.push(
      `Kill drill: ${CLIENTS} clients, ${samples.length} requests (cap ${MAX_REQUESTS}); ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}; ` +
        `load average ${loadAtStart} at the start, ${os.loadavg()[0].toFixed(1)} at the end.`,
    );
    lines.push('');
    lines.push('| killed (-9) | noticed ms | restarted ms | of which start ms | ready ms | full answers ms after ready | outage ms (kill → full answers) | bff-web failed / partial / total | bff-mobile failed / partial / total | while down |');
    lines.push('|---|---|---|---|---|---|---|---|---|---|');
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
    lines.push(
      `Writes: ${acknowledged.length} acknowledged (web ${acknowledged.filter((w) => w.bff === 'web').length}, mobile ${acknowledged.filter((w) => w.bff === 'mobile').length}), ` +
        `${lost.length} of them lost or duplicated; ${unacknowledged.length} refused or unanswered, of which ${doneAnyway.length} were done anyway` +
        (doneAnyway.length ? ` (${doneAnyway.map(during).join(', ')})` : '') +
        '.',
    );
    process.stdout.write(lines.join('\n') + '\n');
    if (lost.length > 0) process.exitCode = 1;
  } finally {
    await stopStart();
    rmSync(dataDir, { recursive: true, force: true });
  }
}


async function attempts<T>(count: number, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= count) throw error;
      await sleep(1_000);
    }
  }
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `check` every 25 ms until it gives a truthy value; undefined after `timeoutMs`. */
async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value) return value;
    await sleep(25);
  }
  return undefined;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
