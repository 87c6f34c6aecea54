import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { execFile } from 'node:child_process';
import { validate, type DocumentNode } from 'graphql';
import * as supergraphOperations from '../../bff-mobile/supergraph-operations.generated';
import { ROOT, SUPERGRAPH_SDL } from '../../lib/graphql/composition';

/** bff-mobile's typed documents (bff-mobile/codegen.ts) are committed: they must be what codegen makes now. */
describe('bff-mobile codegen', () => {
  it('commits generated types that match the operations and schemas (run `npm run mobile:codegen` when this fails)', async () => {
    // Codegen's CLI is ESM underneath (yargs), which jest's CommonJS runtime cannot load: run it as npm does.
    const cli = path.join(ROOT, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js');
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = execFile(process.execPath, [cli, '--config', 'bff-mobile/codegen.ts', '--check'], { cwd: ROOT, timeout: 60_000 }, (_error, stdout, stderr) =>
        resolve({ code: child.exitCode, output: `${stdout}${stderr}` }),
      );
    });
    expect(result).toEqual({ code: 0, output: expect.any(String) });
  });

  it('generates supergraph documents that are each valid on their own against the composed API', () => {
    const api = Supergraph.build(readFileSync(SUPERGRAPH_SDL, 'utf8')).apiSchema().toGraphQLJSSchema();
    const documents = Object.entries(supergraphOperations).filter(([name]) => /Document$/.test(name) && !/FragmentDoc$/.test(name));
    expect(documents.length).toBeGreaterThanOrEqual(10);
    for (const [name, document] of documents) expect([name, validate(api, document as DocumentNode).map((e) => e.message)]).toEqual([name, []]);
  });
});
