/**
 * A throwaway PostgreSQL server for a test that needs a whole server of its own (roles are server-wide):
 * `node --import tsx tests/support/postgres-server.ts <data dir> <port>`, the superuser's password in
 * PGPASSWORD. Its own process, since the embedded package is ESM, which jest's runtime cannot import.
 * Prints `ready` once the server accepts connections; stops it on SIGTERM.
 */
import { createLogger } from '../../lib/telemetry/logger';
import { startEmbeddedPostgres } from '../../tooling/embedded-postgres';

async function main() {
  const [dataDir, port] = process.argv.slice(2);
  const logger = createLogger('postgres-server');
  logger.level = 'warn';
  const server = await startEmbeddedPostgres({ dataDir, port: Number(port), password: process.env.PGPASSWORD ?? '', databases: [], logger });
  process.once('SIGTERM', () => void server.stop().then(() => process.exit(0)));
  console.log('ready');
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
