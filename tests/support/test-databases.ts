import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SUBGRAPHS, type SubgraphName } from '../../lib/config/env';
import type { DatabaseUrls } from '../../tooling/databases';

/**
 * Each test suite gets its own three databases, cloned from migrated templates that the global
 * setup prepared: suites run in parallel without sharing rows, and never touch the databases
 * the env names (only the servers they are on).
 */
export const TEMPLATES_ENV = 'FG_TEST_TEMPLATE_URLS';

export function templateName(name: SubgraphName): string {
  return `fg_test_${name}_template`;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(serverUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function templateUrls(): DatabaseUrls {
  const raw = process.env[TEMPLATES_ENV];
  if (!raw) throw new Error(`${TEMPLATES_ENV} is not set: run the tests through jest (npm test), whose global setup prepares the databases`);
  return JSON.parse(raw);
}

export interface TestDatabases {
  urls: DatabaseUrls;
  drop(): Promise<void>;
}

/** Clones of the templates of `names` (every subgraph's by default); each drop costs the server a checkpoint, so ask only for what a suite uses. */
export async function createTestDatabases(names: readonly SubgraphName[] = SUBGRAPHS): Promise<TestDatabases> {
  const templates = templateUrls();
  const suffix = randomBytes(4).toString('hex');
  const urls = {} as DatabaseUrls;
  for (const name of names) {
    const database = `fg_test_${name}_${suffix}`;
    await adminQuery(templates[name], `CREATE DATABASE "${database}" TEMPLATE "${templateName(name)}"`);
    urls[name] = withDatabase(templates[name], database);
  }
  return {
    urls,
    async drop() {
      // Together: each drop waits for a checkpoint, and drops waiting at once share one.
      await Promise.all(names.map((name) => adminQuery(templates[name], `DROP DATABASE IF EXISTS "${new URL(urls[name]).pathname.slice(1)}" WITH (FORCE)`)));
    },
  };
}
