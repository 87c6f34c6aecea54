/**
 * `npm run schema:release`: records today's schemas as the release baseline (schema/baseline/)
 * that `npm run schema:check` compares with. `-- --app-version <version>` also releases the
 * current mobile app's manifest as bff-mobile/client/manifests/<version>.json, which bff-mobile's
 * safelist and the check then keep supporting until that file is deleted.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MANIFEST_FILE, RELEASED_MANIFESTS_DIR } from '../bff-mobile/safelist';
import { BASELINE_DIR, currentSnapshot, writeBaseline } from '../tooling/schema-sources';

const { values } = parseArgs({ options: { 'app-version': { type: 'string' } } });
const version = values['app-version'];
if (version !== undefined && !/^\d+\.\d+\.\d+$/.test(version)) {
  console.error(`--app-version must be a version such as 1.2.0; got "${version}"`);
  process.exit(1);
}
let snapshot;
try {
  snapshot = currentSnapshot();
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
if (version) {
  const file = path.join(RELEASED_MANIFESTS_DIR, `${version}.json`);
  // A released version's operations are what installed apps send: never rewritten.
  if (existsSync(file) && readFileSync(file, 'utf8') !== readFileSync(MANIFEST_FILE, 'utf8')) {
    console.error(`${path.relative(process.cwd(), file)} exists with other operations: a released version's manifest is never changed`);
    process.exit(1);
  }
  copyFileSync(MANIFEST_FILE, file);
  console.log(`Released the mobile app's manifest as ${path.relative(process.cwd(), file)}.`);
}
writeBaseline(snapshot);
console.log(`Wrote the release baseline to ${path.relative(process.cwd(), BASELINE_DIR)}/.`);
