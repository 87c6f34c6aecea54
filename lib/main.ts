import { DEFAULT_PORTS, envInt, envString, portVariable, type SubgraphName } from './config';
import { databaseUrl, openDatabase, type Database } from './database';
import { createLogger, type Logger } from './logger';
import type { Service } from './subgraph';

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts a service process: builds it, listens on `port` (0 picks a free one) at `HOST`
 * (default 127.0.0.1), logs `listening` with the bound port, and on SIGTERM or SIGINT
 * stops accepting, finishes in-flight requests, closes its pool and exits 0.
 */
export function runService(name: string, port: number, build: (logger: Logger) => Promise<Service>): void {
  const logger = createLogger(name);
  const host = envString('HOST', '127.0.0.1');
  build(logger)
    .then(async (service) => {
      const bound = await service.listen(port, host);
      logger.info({ port: bound, url: `http://${host}:${bound}/graphql` }, 'listening');
      const shutdown = (signal: string) => {
        logger.info({ signal }, 'shutting down');
        setTimeout(() => {
          logger.error('shutdown took too long; exiting');
          process.exit(1);
        }, SHUTDOWN_GRACE_MS).unref();
        service.stop().then(
          () => process.exit(0),
          (error) => {
            logger.error({ err: error }, 'error during shutdown');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', shutdown);
      process.once('SIGINT', shutdown);
    })
    .catch((error) => {
      logger.fatal({ err: error }, `${name} failed to start`);
      process.exit(1);
    });
}

/** The `index.ts` of a subgraph: its database from `<NAME>_DATABASE_URL`, its port from `<NAME>_PORT`. */
export function runSubgraph(name: SubgraphName, create: (database: Database, logger: Logger) => Promise<Service>): void {
  runService(name, envInt(portVariable(name), DEFAULT_PORTS[name], { max: 65535 }), async (logger) =>
    create(openDatabase(databaseUrl(name)), logger),
  );
}
