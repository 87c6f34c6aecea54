/**
 * `npm run schema:check`: today's schemas against the release baseline (schema/baseline/), each
 * breaking change checked against every known client operation (tooling/schema-check.ts). Fails
 * when a change breaks one, naming the coordinate, the kind of change and each operation; a
 * breaking change no known operation uses passes with a warning.
 *
 * Options, for checking a proposed change elsewhere: `--config <supergraph.yaml>` (default the
 * repository's), `--baseline <dir>`, `--manifests <dir>` (the released mobile manifests).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkSchemas, formatReport } from '../tooling/schema-check';
import { currentSnapshot, knownOperations, readBaseline, schemasOf } from '../tooling/schema-sources';

async function main() {
  const { values } = parseArgs({ options: { config: { type: 'string' }, baseline: { type: 'string' }, manifests: { type: 'string' } } });
  let current;
  try {
    current = currentSnapshot(values.config);
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  }
  let baseline;
  try {
    baseline = readBaseline(values.baseline);
  } catch (error) {
    // Without a baseline there is nothing to compare: that is a failure, never a pass.
    const { code, path: file } = error as NodeJS.ErrnoException;
    console.error(`schema:check failed: the release baseline is incomplete (${code} on ${path.basename(file ?? '')}); write it with npm run schema:release`);
    return 1;
  }
  const report = await checkSchemas(schemasOf(baseline), schemasOf(current), knownOperations(values.manifests));
  console.log(formatReport(report));
  const breaking = report.findings.filter((f) => f.criticality === 'BREAKING');
  const failing = breaking.filter((f) => f.breaks.length > 0);
  if (!report.ok) {
    console.error(`schema:check failed: ${failing.length} breaking change(s) break known client operations, ${report.invalid.length} operation(s) no longer validate.`);
    return 1;
  }
  console.log(`schema:check passed${breaking.length ? ` with ${breaking.length} warning(s): breaking changes no known client operation uses` : ''}.`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  // A manifest or the web app's documents that do not read: one line, not a stack trace.
  (error) => {
    console.error(`schema:check failed: ${(error as Error).message.split('\n')[0]}`);
    process.exit(1);
  },
);
