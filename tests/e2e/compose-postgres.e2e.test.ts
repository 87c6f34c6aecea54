/**
 * compose's PostgreSQL as it starts on an empty volume: the image runs deploy/postgres/init-databases.sh as
 * its superuser, then each migration job and subgraph connects with the URL compose gives it. Here the
 * script runs through psql against a PostgreSQL of its own, and compose's URLs are pointed at that server.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { SUBGRAPHS, databaseUrlVariable } from '../../lib/config/env';
import { migrate } from '../../tooling/prisma-cli';
import { stopChild } from '../../tooling/processes';
import { ROOT, composeDotenv, composeServices, interpolate } from '../support/deployment';
import { freePort } from '../support/ports';

const SCRIPT = path.join(ROOT, 'deploy', 'postgres', 'init-databases.sh');

describe("compose's databases (deploy/postgres/init-databases.sh)", () => {
  let dir: string;
  let server: ChildProcess;
  let port: number;
  let dotenv: Record<string, string>;
  const services = composeServices<{ environment?: Record<string, string> }>();

  /** The URL compose gives `service` for `subgraph`'s database, at this test's server. */
  function urlOf(service: string, subgraph: (typeof SUBGRAPHS)[number]): URL {
    const url = new URL(interpolate(services[service].environment![databaseUrlVariable(subgraph)], dotenv));
    expect(url.host).toBe('postgres:5432');
    url.host = `127.0.0.1:${port}`;
    return url;
  }

  /** Runs the script as the image does: its superuser, the compose service's environment. */
  function runScript(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
    return new Promise((resolve) => {
      execFile('sh', [SCRIPT], { env: { PATH: process.env.PATH, PGHOST: '127.0.0.1', PGPORT: String(port), ...env } }, (error, _stdout, stderr) =>
        resolve({ code: error ? (error.code as number) : 0, stderr }),
      );
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'compose-postgres-'));
    dotenv = composeDotenv(path.join(dir, '.env'));
    port = await freePort();
    server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tests', 'support', 'postgres-server.ts'), dir, String(port)], {
      cwd: ROOT,
      env: { ...process.env, PGPASSWORD: dotenv.POSTGRES_PASSWORD },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let errors = '';
    server.stderr!.on('data', (chunk) => (errors += chunk));
    await new Promise<void>((resolve, reject) => {
      server.stdout!.on('data', (chunk) => String(chunk).includes('ready') && resolve());
      server.once('exit', (code) => reject(new Error(`the test's PostgreSQL did not start (exit ${code}): ${errors}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (server) await stopChild(server);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops, naming the variable, when compose gave it no password for a role', async () => {
    const postgres = { PGPASSWORD: dotenv.POSTGRES_PASSWORD, POSTGRES_USER: 'postgres' };
    const { code, stderr } = await runScript({ ...postgres, USERS_DB_PASSWORD: dotenv.USERS_DB_PASSWORD });
    expect({ code, stderr: stderr.trim() }).toEqual({ code: 1, stderr: 'init-databases: POSTS_DB_PASSWORD is not set' });
    // What ran before the stop is undone with the data directory: the image retries init only on an empty one.
    const client = new pg.Client({ connectionString: `postgresql://postgres:${dotenv.POSTGRES_PASSWORD}@127.0.0.1:${port}/postgres` });
    await client.connect();
    try {
      await client.query('DROP DATABASE users');
      await client.query('DROP ROLE users');
    } finally {
      await client.end();
    }
  });

  it("lets each subgraph's role migrate and use its own database, and open no other", async () => {
    const environment = Object.fromEntries(
      Object.entries(services.postgres.environment!).map(([name, value]) => [name, interpolate(value, dotenv)]),
    );
    const { code, stderr } = await runScript({ ...environment, PGPASSWORD: environment.POSTGRES_PASSWORD });
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });

    for (const subgraph of SUBGRAPHS) {
      // The migration job's URL and the subgraph's are the same role's.
      const url = urlOf(`migrate-${subgraph}`, subgraph);
      expect(urlOf(subgraph, subgraph).toString()).toBe(url.toString());
      expect(decodeURIComponent(url.username)).toBe(subgraph);
      await migrate(subgraph, url.toString());

      const own = new pg.Client({ connectionString: url.toString() });
      await own.connect();
      try {
        const { rows } = await own.query('SELECT count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL');
        expect(rows[0].n).toBeGreaterThan(0);
      } finally {
        await own.end();
      }
      for (const other of SUBGRAPHS.filter((name) => name !== subgraph)) {
        const elsewhere = new URL(url);
        elsewhere.pathname = `/${other}`;
        const client = new pg.Client({ connectionString: elsewhere.toString() });
        const refused = await client.connect().then(
          () => client.end().then(() => 'connected'),
          (error: { code?: string }) => error.code,
        );
        // 42501: insufficient privilege (no CONNECT on that database).
        expect({ role: subgraph, database: other, refused }).toEqual({ role: subgraph, database: other, refused: '42501' });
      }
    }
  });
});
