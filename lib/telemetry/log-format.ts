/**
 * What the console shows of one log line (JSON, as every service writes it): the line itself,
 * or with `pretty` one readable line (time, level, `service: message`, then the other fields).
 * pino-pretty is loaded only for `pretty`; a line that is not JSON passes as it is.
 */
export function consoleLine(format: 'json' | 'pretty'): (line: string) => string {
  if (format === 'json') return (line) => `${line}\n`;
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
  return prettyFactory({
    colorize: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,service',
    messageFormat: (log, key) => (log.service ? `${log.service}: ${log[key]}` : String(log[key])),
  });
}
