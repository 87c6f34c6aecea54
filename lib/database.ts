import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { ConfigError, databaseUrlVariable, envInt, envUrl, type SubgraphName } from './config';

/** Counts every SQL statement this process sends, so tests and benchmarks can see N+1 patterns. */
export interface StatementCounter {
  statements: number;
}

export interface Database {
  pool: pg.Pool;
  adapter: PrismaPg;
  counter: StatementCounter;
  /** True when a trivial query succeeds within the pool's connection timeout. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

/** The database URL of one subgraph, from `<NAME>_DATABASE_URL`. */
export function databaseUrl(name: SubgraphName): string {
  const variable = databaseUrlVariable(name);
  const url = envUrl(variable);
  if (!url) throw new ConfigError(`${variable} is not set; \`npm start\` sets it for the embedded database`);
  return url;
}

/**
 * A pg pool for one subgraph's database, shared by its Prisma client. Every statement goes
 * through `CountingClient.query`, transactions included, so the count is what reaches Postgres.
 */
export function openDatabase(url: string): Database {
  const counter: StatementCounter = { statements: 0 };
  class CountingClient extends pg.Client {
    // pg's query() has many overloads; counting does not care which one is used.
    query(...args: unknown[]): any {
      counter.statements += 1;
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: envInt('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    connectionTimeoutMillis: envInt('DATABASE_CONNECT_TIMEOUT_MS', 5000, { min: 100 }),
    idleTimeoutMillis: 30_000,
    // The adapter reads timestamptz as UTC; a server in another zone would shift every instant.
    options: '-c TimeZone=UTC',
    Client: CountingClient,
  });
  // An idle client losing its connection (database restart) must not crash the process;
  // the pool replaces it on the next checkout.
  pool.on('error', () => undefined);
  const adapter = new PrismaPg(pool);
  return {
    pool,
    adapter,
    counter,
    async ping() {
      try {
        await pool.query('SELECT 1');
        return true;
      } catch {
        return false;
      }
    },
    close: () => pool.end(),
  };
}
