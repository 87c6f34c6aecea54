/**
 * `npm run compose`: composes supergraph.yaml into supergraph.graphql.
 * `npm run compose -- --check`: fails when the committed supergraph.graphql is stale.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { compose, SUPERGRAPH_SDL, writeSupergraph } from '../lib/graphql/composition';

const check = process.argv.includes('--check');
const result = compose();
if (!result.ok) {
  console.error(`Composition failed with ${result.errors.length} error(s):`);
  for (const message of result.errors) console.error(`- ${message}`);
  process.exit(1);
}
const file = path.relative(process.cwd(), SUPERGRAPH_SDL);
if (check) {
  const committed = existsSync(SUPERGRAPH_SDL) ? readFileSync(SUPERGRAPH_SDL, 'utf8') : '';
  if (committed !== result.supergraphSdl) {
    console.error(`${file} is stale: run \`npm run compose\` and commit the result.`);
    process.exit(1);
  }
  console.log(`${file} is up to date.`);
} else {
  writeSupergraph(result.supergraphSdl);
  console.log(`Wrote ${file}.`);
}
