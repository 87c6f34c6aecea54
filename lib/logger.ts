import pino, { type Logger } from 'pino';
import { envString } from './config';

export type { Logger };

/**
 * One structured JSON logger per process. `LOG_LEVEL` (default `info`) sets the level;
 * request handlers derive child loggers that carry the request id.
 */
export function createLogger(service: string): Logger {
  return pino({
    level: envString('LOG_LEVEL', 'info'),
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}
