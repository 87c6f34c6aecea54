import { envEnum } from './env';

export const LOG_FORMATS = ['auto', 'json', 'pretty'] as const;

/**
 * How `npm start` prints its own and the services' log lines (the services always write JSON):
 * `LOG_FORMAT`, auto (default: readable lines on a terminal, JSON otherwise), json or pretty.
 */
export function logFormat(isTerminal: boolean): 'json' | 'pretty' {
  const chosen = envEnum('LOG_FORMAT', LOG_FORMATS, 'auto');
  return chosen === 'auto' ? (isTerminal ? 'pretty' : 'json') : chosen;
}
