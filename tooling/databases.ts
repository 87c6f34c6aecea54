import path from 'node:path';
import { databaseUrlSetting } from '../lib/config/database';
import { ConfigError, databaseUrlVariable, envInt, envString, SUBGRAPHS, type SubgraphName } from '../lib/config/env';
import { ROOT } from '../lib/graphql/composition';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres';
import type { Logger } from '../lib/telemetry/logger';
import { migrate } from './prisma-cli';

export type DatabaseUrls = Record<SubgraphName, string>;

export interface Databases {
  urls: DatabaseUrls;
  /** True when the project started its own embedded server. */
  embedded: boolean;
  /** The embedded server, when one was started (`npm start` supervises it). */
  server?: EmbeddedPostgres;
  /** Stops the embedded server, if one was started. */
  stop(): Promise<void>;
}

/**
 * The three subgraph databases: the servers named by `USERS_DATABASE_URL`, `POSTS_DATABASE_URL`
 * and `MEDIA_DATABASE_URL` when all are set; otherwise an embedded PostgreSQL under `DATA_DIR`
 * (default `./data`) on `EMBEDDED_POSTGRES_PORT` (default 5433) with databases users, posts, media.
 */
export async function provideDatabases(logger: Logger, dataDir = envString('DATA_DIR', path.join(ROOT, 'data'))): Promise<Databases> {
  const given = SUBGRAPHS.map((name) => [name, databaseUrlSetting(name)] as const);
  const set = given.filter(([, url]) => url);
  if (set.length === SUBGRAPHS.length) {
    return { urls: Object.fromEntries(given) as DatabaseUrls, embedded: false, stop: async () => undefined };
  }
  if (set.length > 0) {
    const missing = given.filter(([, url]) => !url).map(([name]) => databaseUrlVariable(name));
    throw new ConfigError(`set all three database URLs or none (none starts the embedded database); missing: ${missing.join(', ')}`);
  }
  const server = await startEmbeddedPostgres({
    dataDir,
    port: envInt('EMBEDDED_POSTGRES_PORT', 5433, { min: 1, max: 65535 }),
    password: envString('EMBEDDED_POSTGRES_PASSWORD', 'postgres'),
    databases: SUBGRAPHS,
    logger,
  });
  const urls = Object.fromEntries(SUBGRAPHS.map((name) => [name, server.url(name)])) as DatabaseUrls;
  return { urls, embedded: true, server, stop: () => server.stop() };
}

/** `prisma migrate deploy` for each subgraph, in parallel. */
export async function migrateAll(urls: DatabaseUrls): Promise<void> {
  await Promise.all(SUBGRAPHS.map((name) => migrate(name, urls[name])));
}

/** The environment that points each subgraph at its database. */
export function databaseEnv(urls: DatabaseUrls): Record<string, string> {
  return Object.fromEntries(SUBGRAPHS.map((name) => [databaseUrlVariable(name), urls[name]]));
}
