import { ConfigError, databaseUrlVariable, envBool, envInt, envUrl, type SubgraphName, envMs } from './env';

/** How a subgraph reaches its PostgreSQL database (lib/data/database.ts). */
export interface DatabaseConfig {
  /** `<NAME>_DATABASE_URL`, required (`npm start` sets it for the embedded database). */
  url: string;
  /** `DATABASE_POOL_SIZE`, 1–200, default 10: connections in the pool. */
  poolSize: number;
  /** `DATABASE_CONNECT_TIMEOUT_MS`, at least 100, default 5000: how long a checkout waits for a connection. */
  connectTimeoutMs: number;
  /** `DB_CAPTURE_STATEMENTS`, default false: a diagnostic that keeps each statement sent, for EXPLAIN. */
  captureStatements: boolean;
}

/** `<NAME>_DATABASE_URL`, a postgresql:// URL, or undefined when unset. */
export function databaseUrlSetting(name: SubgraphName): string | undefined {
  return envUrl(databaseUrlVariable(name), undefined, { protocols: ['postgresql:', 'postgres:'] });
}

export function databaseConfig(name: SubgraphName): DatabaseConfig {
  const variable = databaseUrlVariable(name);
  const url = databaseUrlSetting(name);
  if (!url) throw new ConfigError(`${variable} is not set; \`npm start\` sets it for the embedded database`);
  return {
    url,
    poolSize: envInt('DATABASE_POOL_SIZE', 10, { min: 1, max: 200 }),
    connectTimeoutMs: envMs('DATABASE_CONNECT_TIMEOUT_MS', 5000, { min: 100 }),
    captureStatements: envBool('DB_CAPTURE_STATEMENTS', false),
  };
}
