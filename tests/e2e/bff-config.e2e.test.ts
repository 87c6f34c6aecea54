import { execFile } from 'node:child_process';
import path from 'node:path';
import { ROOT } from '../../lib/graphql/composition';

/**
 * A BFF reads its env once, at start (bff-web/config.ts, bff-mobile/config.ts): a bad value
 * stops the process before it builds anything, with exit code 1 and one line on stderr that
 * names the variable, not a stack trace or a library's own message.
 */
function start(entry: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], { cwd: ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (_error, _stdout, stderr) =>
      resolve({ code: child.exitCode, stderr }),
    );
  });
}

it.each([
  ['bff-web/index.ts', 'LOG_LEVEL', 'verbose'],
  ['bff-web/index.ts', 'WEB_ORIGINS', 'not-a-url'],
  ['bff-web/index.ts', 'BFF_WEB_PORT', 'abc'],
  ['bff-mobile/index.ts', 'BFF_MOBILE_PORT', '99999'],
  ['bff-mobile/index.ts', 'MOBILE_SAFELIST', 'maybe'],
  ['bff-mobile/index.ts', 'MOBILE_WEB_ORIGINS', 'http://app.test/path'],
  ['bff-web/index.ts', 'REDIS_URL', 'localhost:6379'],
  ['bff-web/index.ts', 'SUPERGRAPH_POLL_MS', '5'],
  ['bff-web/index.ts', 'SUPERGRAPH_PATH', 'no-such-supergraph.graphql'],
  ['bff-mobile/index.ts', 'SUPERGRAPH_URL', 'registry:8080/supergraph'],
])('%s with %s=%s exits 1 with one line naming the variable', async (entry, variable, value) => {
  const { code, stderr } = await start(entry, { [variable]: value });
  expect(code).toBe(1);
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^bff-(web|mobile): ${variable} .*"${value}"$`));
});
