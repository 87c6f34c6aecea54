import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'graphql';
import YAML from 'yaml';
import { splitOperations, type NamedOperation } from '../../bff-mobile/documents';
import { ROOT, readSupergraphConfig } from '../../lib/graphql/composition';
import { checkSchemas, formatReport } from '../../tooling/schema-check';
import { editPostType } from '../support/schema-edits';
import { BASELINE_DIR, currentSnapshot, knownOperations, readBaseline, schemasOf, writeBaseline } from '../../tooling/schema-sources';

const run = promisify(execFile);
const scratchDirs: string[] = [];
afterAll(() => scratchDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/**
 * A scratch copy of supergraph.yaml and the subgraph schemas it names, with `edit` applied to
 * posts' schema (the repository's files are never touched), and beside it a baseline released from
 * today's unedited schemas: each case then sees its own edit alone, not whatever the repository
 * changed since its last release (the committed baseline's currency is the first case's business).
 */
function scratchConfigWithBaseline(edit: (postsSdl: string) => string): { config: string; baseline: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-schema-check-'));
  scratchDirs.push(dir);
  const subgraphs: Record<string, unknown> = {};
  for (const { name, routingUrl, schemaFile } of readSupergraphConfig()) {
    const sdl = readFileSync(schemaFile, 'utf8');
    const edited = name === 'posts' ? edit(sdl) : sdl;
    writeFileSync(path.join(dir, `${name}.graphql`), edited);
    subgraphs[name] = { routing_url: routingUrl, schema: { file: `./${name}.graphql` } };
  }
  const file = path.join(dir, 'supergraph.yaml');
  writeFileSync(file, YAML.stringify({ federation_version: '=2.14.4', subgraphs }));
  const baseline = path.join(dir, 'baseline');
  writeBaseline(currentSnapshot(), baseline);
  return { config: file, baseline };
}

/** `npm run schema:check -- --config <config>`, as CI runs it. */
async function schemaCheck(config: string, ...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'scripts/schema-check.ts', '--config', config, ...args], { cwd: ROOT });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

const inPost = (from: string, to: string) => (sdl: string) => editPostType(sdl, from, to);

describe('npm run schema:check', () => {
  it('passes on the committed schemas (the baseline is current)', async () => {
    const { code, output } = await schemaCheck(path.join(ROOT, 'supergraph.yaml'));
    expect([code, output]).toEqual([0, expect.stringContaining('schema:check passed')]);
  }, 60_000);

  it('fails when Post.title is removed from posts, naming the coordinate, the change and the web and mobile operations that select it', async () => {
    const { config, baseline } = scratchConfigWithBaseline(inPost('  title: String!\n', ''));
    const { code, output } = await schemaCheck(config, '--baseline', baseline);
    expect(code).toBe(1);
    expect(output).toContain("FAIL BREAKING Post.title: FIELD_REMOVED: Field 'title' was removed from object type 'Post' (subgraph posts; API supergraph, bff-web)");
    expect(output).toContain('breaks web PostPage');
    expect(output).toContain('breaks web Feed');
    expect(output).toContain('breaks bff-mobile MobileFeed');
    // The mobile app's Feed reads FeedCard.title; its resolver runs MobileFeed, which selects Post.title.
    expect(output).toContain("breaks mobile 1.0.0 Feed (through bff-mobile's supergraph operation MobileFeed)");
    expect(output).toMatch(/schema:check failed: 1 breaking change/);
  }, 60_000);

  it('passes when a nullable field is added', async () => {
    const { config, baseline } = scratchConfigWithBaseline(inPost('  publishedAt: DateTime\n', '  publishedAt: DateTime\n  subtitle: String\n'));
    const { code, output } = await schemaCheck(config, '--baseline', baseline);
    expect(output).toContain("SAFE Post.subtitle: FIELD_ADDED: Field 'subtitle' was added to object type 'Post'");
    expect([code, output]).toEqual([0, expect.stringContaining('schema:check passed.')]);
  }, 60_000);

  it('passes with a warning when a breaking change breaks no known operation', async () => {
    // No client selects Post.updatedAt.
    const { config, baseline } = scratchConfigWithBaseline(inPost('  updatedAt: DateTime!\n', ''));
    const { code, output } = await schemaCheck(config, '--baseline', baseline);
    expect(output).toMatch(/WARN BREAKING Post\.updatedAt: FIELD_REMOVED.*\n\s+breaks no known client operation/);
    expect([code, output]).toEqual([0, expect.stringContaining('schema:check passed with 1 warning(s)')]);
  }, 60_000);

  it('fails, in one line, when the release baseline is missing or incomplete', async () => {
    const baseline = mkdtempSync(path.join(os.tmpdir(), 'fg-baseline-'));
    scratchDirs.push(baseline);
    for (const partial of [[], ['subgraphs/'], ['subgraphs/', 'supergraph.graphql']]) {
      for (const file of partial) {
        if (file.endsWith('/')) mkdirSync(path.join(baseline, file), { recursive: true });
        else writeFileSync(path.join(baseline, file), readFileSync(path.join(BASELINE_DIR, file)));
      }
      const { code, output } = await schemaCheck(path.join(ROOT, 'supergraph.yaml'), '--baseline', baseline);
      expect([code, output.trim().split('\n')]).toEqual([1, [expect.stringMatching(/^schema:check failed: the release baseline is incomplete \(ENOENT on [\w.-]+\); write it with npm run schema:release$/)]]);
    }
  }, 120_000);

  it('lists deprecated fields that supported clients still use', async () => {
    const { config, baseline } = scratchConfigWithBaseline(inPost('  title: String!\n', '  title: String! @deprecated(reason: "Use headline")\n'));
    const { code, output } = await schemaCheck(config, '--baseline', baseline);
    expect(code).toBe(0);
    const listed = /Deprecated, and still used by a supported client[^\n]*\n\s+Post\.title \(Use headline\): ([^\n]*)/.exec(output)?.[1];
    expect(listed?.split(', ')).toEqual(expect.arrayContaining(['web PostPage', 'bff-mobile MobileFeed']));
  }, 60_000);
});

describe('the check weighs each supported mobile app version', () => {
  it('fails on a change that breaks only a previous app version, naming that version', async () => {
    const known = knownOperations();
    // Version 0.9.0 of the app still reads PostCard.excerpt; the current app no longer does.
    const withoutExcerpt = (text: string) => text.replace(/\n\s+excerpt\n/g, '\n');
    const current = currentSnapshot();
    const operations = {
      ...known,
      mobile: {
        '0.9.0': known.mobile.current,
        current: knownOperationsWith(known.mobile.current, withoutExcerpt),
      },
    };
    const mobile = current.mobile.replace(/\n\s+"[^"\n]*"\n\s+excerpt: String!\n|\n\s+excerpt: String!\n/, '\n');
    expect(mobile).not.toBe(current.mobile);
    const report = await checkSchemas(schemasOf(readBaseline()), schemasOf({ ...current, mobile }), operations);
    expect(report.ok).toBe(false);
    const finding = report.findings.find((f) => f.coordinate === 'PostCard.excerpt')!;
    expect(finding).toMatchObject({ criticality: 'BREAKING', kind: 'FIELD_REMOVED', apis: ['bff-mobile'] });
    expect(finding.breaks).toEqual(expect.arrayContaining([{ client: 'mobile 0.9.0', operation: 'Feed' }]));
    expect(finding.breaks.filter((b) => b.client === 'mobile current')).toEqual([]);
    expect(formatReport(report)).toContain('breaks mobile 0.9.0 Feed');
  });
});

function knownOperationsWith(ops: NamedOperation[], edit: (text: string) => string): NamedOperation[] {
  return splitOperations(ops.flatMap((op) => parse(edit(op.body)).definitions));
}
