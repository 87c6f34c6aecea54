import { ConfigError, DEFAULT_PORTS, envInt, envString, portVariable, processConfig, type LogLevel, type SubgraphName } from '../config/env';
import { databaseUrl, openDatabase, waitForDatabase } from '../data/database';
import { parsePublicKeys } from '../identity/keys';
import { createLogger, type Logger } from '../telemetry/logger';
import type { Service, SubgraphDeps } from '../subgraph/server';

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_GRACE_MS = 10_000;

/** Where and how loudly a service process runs: from its config module. */
export interface ListenConfig {
  /** `<SERVICE>_PORT`; 0 picks a free one. */
  port: number;
  /** `HOST`, default 127.0.0.1. */
  host: string;
  logLevel: LogLevel;
}

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
          () => process.exit(0),
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
      if (error instanceof ConfigError) logger.fatal(`${name} failed to start: ${error.message}`);
      else logger.fatal({ err: error }, `${name} failed to start`);
      process.exit(1);
    });
}

/** The `index.ts` of a subgraph: its database from `<NAME>_DATABASE_URL`, its port from `<NAME>_PORT`. */
export function runSubgraph(name: SubgraphName, create: (deps: SubgraphDeps) => Promise<Service>): void {
  runService(name, { ...processConfig(), port: envInt(portVariable(name), DEFAULT_PORTS[name], { max: 65535 }) }, async (logger) => {
    const keys = envString(GATEWAY_PUBLIC_KEYS);
    if (!keys) throw new ConfigError(`${GATEWAY_PUBLIC_KEYS} is not set: the BFFs' public keys, as a JWKS (npm start sets it)`);
    const database = openDatabase(databaseUrl(name));
    // Start whether or not the database is up yet; /ready tells the difference.
    void waitForDatabase(database, logger);
    return create({ database, logger, gatewayKeys: parsePublicKeys(keys, GATEWAY_PUBLIC_KEYS) });
  });
}

/** Env of the subgraphs: the public keys of the BFFs' assertion signing keys, as a JWKS. */
export const GATEWAY_PUBLIC_KEYS = 'GATEWAY_PUBLIC_KEYS';
/** Env of the BFFs: the private JWK they sign assertions with. */
export const GATEWAY_SIGNING_KEY = 'GATEWAY_SIGNING_KEY';
