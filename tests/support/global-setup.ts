import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webDist } from '../../bff-web/config';
import { SUBGRAPHS } from '../../lib/config/env';
import { ensureWebBuilt } from '../../tooling/web-build';
import { migrateAll, provideDatabases, type DatabaseUrls } from '../../tooling/databases';
import { createLogger } from '../../lib/telemetry/logger';
import { freePort } from './ports';
import { adminQuery, templateName, TEMPLATES_ENV, withDatabase } from './test-databases';

/**
 * Finds the Postgres servers to test against (those of USERS_/POSTS_/MEDIA_DATABASE_URL, else
 * an embedded server in a temporary folder on a free port), and migrates one template database
 * per subgraph there; suites clone their databases from these.
 */
export default async function globalSetup() {
  const logger = createLogger('test-setup');
  logger.level = 'warn';
  // The browser suite drives the built web app that bff-web serves: built if missing or stale.
  ensureWebBuilt(webDist());
  const embedded = !SUBGRAPHS.some((name) => process.env[`${name.toUpperCase()}_DATABASE_URL`]);
  if (embedded) {
    process.env.DATA_DIR = mkdtempSync(path.join(os.tmpdir(), 'fg-test-'));
    process.env.EMBEDDED_POSTGRES_PORT ??= String(await freePort());
  }
  const databases = await provideDatabases(logger);
  (globalThis as { fgStopDatabases?: () => Promise<void> }).fgStopDatabases = databases.stop;

  const templates = {} as DatabaseUrls;
  for (const name of SUBGRAPHS) {
    const server = databases.urls[name];
    await adminQuery(server, `DROP DATABASE IF EXISTS "${templateName(name)}" WITH (FORCE)`);
    await adminQuery(server, `CREATE DATABASE "${templateName(name)}"`);
    templates[name] = withDatabase(server, templateName(name));
  }
  await migrateAll(templates);
  process.env[TEMPLATES_ENV] = JSON.stringify(templates);
}
