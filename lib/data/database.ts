import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { DatabaseConfig } from '../config/database';

/** Counts every SQL statement this process sends, so tests and benchmarks can see N+1 patterns. */
export interface StatementCounter {
  statements: number;
  /**
   * With `captureStatements` (`DB_CAPTURE_STATEMENTS=true`) (a diagnostic, off by default): each distinct statement
   * text with the parameters it was first sent with, for EXPLAIN. At most 1,000 texts.
   */
  captured?: Map<string, unknown[]>;
}

export interface Database {
  pool: pg.Pool;
  adapter: PrismaPg;
  counter: StatementCounter;
  /** True when a trivial query succeeds within the pool's connection timeout. */
  ping(): Promise<boolean>;
  /** Why the database cannot be reached right now, or null when it can. */
  problem(): Promise<string | null>;
  close(): Promise<void>;
}

/** A statement built with `Prisma.sql` (whose `text` numbers its parameters `$1`, `$2`, …). */
export interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * The rows of a read sent straight through the pool, for the hot loaders behind the graph's
 * entity fetches. Even `$queryRaw` goes through Prisma's client engine: its WebAssembly query
 * compiler, its interpreter and its row mapping, on every call, which profiled at a tenth to a
 * sixth of a subgraph's CPU (BENCHMARKS.md, issue 18). The rows are pg's: uuid, text and enum
 * columns as strings, integer as number, timestamptz as Date, as the row types expect; not for
 * bigint, numeric or json columns, which pg and Prisma map differently. Counted like any statement.
 */
export async function queryRows<T>(database: Pick<Database, 'pool'>, statement: SqlStatement): Promise<T[]> {
  return (await database.pool.query(statement.text, statement.values)).rows as T[];
}

/**
 * A pg pool for one subgraph's database, shared by its Prisma client. Every statement goes
 * through `CountingClient.query`, transactions included, so the count is what reaches Postgres.
 */
export function openDatabase(url: string, options: Partial<Omit<DatabaseConfig, 'url'>> = {}): Database {
  const { poolSize = 10, connectTimeoutMs = 5000, captureStatements = false } = options;
  const counter: StatementCounter = { statements: 0, ...(captureStatements && { captured: new Map() }) };
  class CountingClient extends pg.Client {
    // pg's query() has many overloads; counting does not care which one is used.
    query(...args: unknown[]): any {
      counter.statements += 1;
      if (counter.captured && counter.captured.size < 1000) {
        const [first, second] = args as [string | { text?: string; values?: unknown[] }, unknown];
        const text = typeof first === 'string' ? first : first?.text;
        const values = typeof first === 'string' ? second : first?.values;
        if (text && !counter.captured.has(text)) counter.captured.set(text, Array.isArray(values) ? values : []);
      }
      return (super.query as (...a: unknown[]) => unknown)(...args);
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: connectTimeoutMs,
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
    async problem() {
      try {
        await pool.query('SELECT 1');
        return null;
      } catch (error) {
        return (error as Error).message || (error as { code?: string }).code || 'unknown error';
      }
    },
    async ping() {
      return (await this.problem()) === null;
    },
    close: () => pool.end(),
  };
}

/** Errors that mean "the database cannot be reached", as pg, the adapter and Prisma report them. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08006', '53300', '55000', '3D000',
  'P1001', 'P1002', 'P1008', 'P1017', 'P2024',
]);
const UNREACHABLE_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'DatabaseDoesNotExist', 'DatabaseAccessDenied']);
const UNREACHABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|not currently accepting connections|the database system is (starting up|shutting down)/i;

/** True when `error` (or anything in its cause chain) says the database is unreachable. */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 6) return false;
  const e = error as { code?: unknown; kind?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: unknown } };
  if (typeof e.code === 'string' && UNREACHABLE_CODES.has(e.code)) return true;
  if (typeof e.originalCode === 'string' && UNREACHABLE_CODES.has(e.originalCode)) return true;
  if (typeof e.kind === 'string' && UNREACHABLE_KINDS.has(e.kind)) return true;
  if (typeof e.message === 'string' && UNREACHABLE_MESSAGES.test(e.message)) return true;
  return isDatabaseUnavailable(e.cause, depth + 1) || isDatabaseUnavailable(e.meta?.driverAdapterError, depth + 1);
}

/**
 * Waits in the background until the database answers, with backoff from 200 ms to 5 s, logging
 * why it waits; the service listens meanwhile and its /ready says 503.
 */
export async function waitForDatabase(database: Database, logger: import('../telemetry/logger').Logger): Promise<void> {
  let delay = 200;
  for (let attempt = 1; ; attempt++) {
    const problem = await database.problem();
    if (problem === null) {
      if (attempt > 1) logger.info({ attempts: attempt }, 'the database is reachable');
      return;
    }
    logger.warn({ attempt, retryInMs: delay, reason: problem }, 'waiting for the database');
    await new Promise((resolve) => setTimeout(resolve, delay).unref());
    delay = Math.min(delay * 2, 5_000);
  }
}
