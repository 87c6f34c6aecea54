import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RELEASED_MANIFESTS_DIR } from '../../bff-mobile/safelist';
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
  ['bff-mobile/index.ts', 'MOBILE_MANIFESTS_DIR', 'no-such-manifests'],
])('%s with %s=%s exits 1 with one line naming the variable', async (entry, variable, value) => {
  const { code, stderr } = await start(entry, { [variable]: value });
  expect(code).toBe(1);
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^bff-(web|mobile): ${variable} .*"${value}"$`));
});

describe('MOBILE_MANIFESTS_DIR holding a file that is not a manifest', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'fg-manifests-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  /** A copy of the released manifests with `file` written beside them. */
  const folderWith = (file: string, text: string) => {
    const dir = mkdtempSync(path.join(scratch, 'dir-'));
    copyFileSync(path.join(RELEASED_MANIFESTS_DIR, '1.0.0.json'), path.join(dir, '1.0.0.json'));
    writeFileSync(path.join(dir, file), text);
    return dir;
  };
  const released = JSON.parse(readFileSync(path.join(RELEASED_MANIFESTS_DIR, '1.0.0.json'), 'utf8'));
  const tampered = { ...released, operations: [{ ...released.operations[0], body: `${released.operations[0].body}\n` }] };

  it.each([
    ['half-written JSON', '2.0.0.json', '{"format": "apollo-', /2\.0\.0\.json is not JSON/],
    ['JSON of another shape', '2.0.0.json', '{"operations": {}}', /2\.0\.0\.json is not an apollo-persisted-query-manifest/],
    ['an id that is not its body\'s hash', '2.0.0.json', JSON.stringify(tampered), /2\.0\.0\.json: the id of operation \w+ is not the sha256 of its body/],
    ['a version named current', 'current.json', JSON.stringify(released), /current\.json: "current" names the app being built/],
  ])('%s stops bff-mobile with one line naming the variable and the file', async (_case, file, text, reason) => {
    const dir = folderWith(file, text);
    const { code, stderr } = await start('bff-mobile/index.ts', { MOBILE_SAFELIST: 'true', MOBILE_MANIFESTS_DIR: dir });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^bff-mobile: MOBILE_MANIFESTS_DIR /);
    expect(lines[0]).toMatch(reason);
  });
});
