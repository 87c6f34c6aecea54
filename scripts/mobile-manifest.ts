/**
 * `npm run mobile:manifest`: writes bff-mobile/client/persisted-query-manifest.json, the mobile
 * app's safelist, from bff-mobile/client/operations/*.graphql. `-- --check` fails when it is stale.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST_FILE } from '../bff-mobile/safelist';
import { buildManifest } from '../bff-mobile/manifest';

const mobile = path.resolve(__dirname, '..', 'bff-mobile');
const manifest = `${JSON.stringify(buildManifest(path.join(mobile, 'client', 'operations'), path.join(mobile, 'schema.graphql')), null, 2)}\n`;
const file = path.relative(process.cwd(), MANIFEST_FILE);
if (process.argv.includes('--check')) {
  if (!existsSync(MANIFEST_FILE) || readFileSync(MANIFEST_FILE, 'utf8') !== manifest) {
    console.error(`${file} is stale: run \`npm run mobile:manifest\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${file} is up to date.`);
} else {
  writeFileSync(MANIFEST_FILE, manifest);
  console.log(`Wrote ${file}.`);
}
