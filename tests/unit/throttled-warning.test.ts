import pino from 'pino';
import { throttledWarning } from '../../lib/telemetry/logger';

it('logs a warning anyone can trigger at most once per interval, then says how many it did not log', () => {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  let now = 0;
  const refused = throttledWarning(logger, 'refused', 10_000, () => now);
  refused({ reason: 'a' });
  for (let i = 0; i < 500; i++) refused({ reason: 'b' });
  now = 9_999;
  refused({ reason: 'c' });
  expect(lines.map(({ msg, reason, notLogged }) => ({ msg, reason, notLogged }))).toEqual([{ msg: 'refused', reason: 'a', notLogged: undefined }]);
  now = 10_000;
  refused({ reason: 'd' });
  expect(lines[1]).toMatchObject({ level: 40, msg: 'refused', reason: 'd', notLogged: 501 });
  now = 30_000;
  refused({ reason: 'e' });
  expect(lines[2]).toMatchObject({ reason: 'e' });
  expect(lines[2].notLogged).toBeUndefined();
});
