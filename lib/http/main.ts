import { ConfigError, type ListenConfig } from '../config/env';
import type { SubgraphConfig } from '../config/subgraph';
import { openDatabase, waitForDatabase } from '../data/database';
import { createLogger, type Logger } from '../telemetry/logger';
import { stopTracing } from '../telemetry/tracing';
import type { SubgraphDeps } from '../subgraph/server';
import type { Service } from './service';

/**
 * How long shutdown may take before the process exits anyway; a container's stop grace period
 * (compose.yaml, deploy/k8s) must outlast it.
 */
export const SHUTDOWN_GRACE_MS = 10_000;

/**
 * Starts a service process: builds it, listens on `port` (0 picks a free one) at `HOST`
 * (default 127.0.0.1), logs `listening` with the bound port, and on SIGTERM or SIGINT
 * stops accepting, finishes in-flight requests, closes its pool and exits 0.
 */
export function runService(name: string, { port, host, logLevel }: ListenConfig, build: (logger: Logger) => Promise<Service>): void {
  const logger = createLogger(name, logLevel);
  build(logger)
    .then(async (service) => {
      const bound = await service.listen(port, host);
      // Always printed, whatever LOG_LEVEL says: whoever started the process learns the port from it.
      logger.child({}, { level: 'info' }).info({ port: bound, url: `http://${host}:${bound}/graphql` }, 'listening');
      let stopping = false;
      const shutdown = (signal: string) => {
        // Ctrl-C reaches every process of the group and `npm start` then sends SIGTERM too: stop once.
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down');
        setTimeout(() => {
          logger.error('shutdown took too long; exiting');
          process.exit(1);
        }, SHUTDOWN_GRACE_MS).unref();
        service.stop().then(
          // The spans of the last requests are sent before the process ends.
          () => stopTracing().then(() => process.exit(0)),
          (error) => {
            logger.error({ err: error }, 'error during shutdown');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', shutdown);
      process.on('SIGINT', shutdown);
    })
    .catch((error) => {
      // A bad variable found while building: one line that names it, no stack trace.
      if (error instanceof ConfigError) process.stderr.write(`${name}: ${error.message}\n`);
      else logger.fatal({ err: error }, `${name} failed to start`);
      process.exit(1);
    });
}

/**
 * The `index.ts` of a subgraph: given its loaded config, opens its database (from
 * `config.database`), starts waiting for it in the background, and runs what `create` builds.
 */
export function runSubgraph<TConfig extends SubgraphConfig>(
  config: TConfig,
  create: (config: TConfig, deps: SubgraphDeps) => Promise<Service>,
): void {
  runService(config.name, config.listen, async (logger) => {
    const { url, ...pool } = config.database;
    const database = openDatabase(url, pool);
    // Start whether or not the database is up yet; /ready tells the difference.
    void waitForDatabase(database, logger);
    return create(config, { database, logger });
  });
}
