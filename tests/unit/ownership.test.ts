import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../../lib/graphql/composition';

/** Every source file under `dir`, generated clients excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const file = path.join(dir, entry);
    if (entry === 'generated' || entry === 'node_modules') return [];
    return statSync(file).isDirectory() ? sources(file) : file.endsWith('.ts') ? [file] : [];
  });
}

const IMPORT = /(?:from\s+|import\(\s*|require\(\s*)['"]([^'"]+)['"]/g;

describe('data ownership', () => {
  const subgraphs = ['users', 'posts', 'media'];

  it.each(subgraphs)('%s imports no other subgraph’s code or Prisma client', (name) => {
    const dir = path.join(ROOT, 'subgraphs', name);
    const violations: string[] = [];
    for (const file of sources(dir)) {
      for (const [, target] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (!target.startsWith('.')) {
          if (target.includes('generated') || target.startsWith('@prisma/client')) violations.push(`${path.relative(ROOT, file)} → ${target}`);
          continue;
        }
        const resolved = path.resolve(path.dirname(file), target);
        if (resolved.startsWith(path.join(ROOT, 'subgraphs')) && !resolved.startsWith(dir + path.sep)) {
          violations.push(`${path.relative(ROOT, file)} → ${target}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });

  it.each(subgraphs)('%s generates its Prisma client into its own folder from its own schema', (name) => {
    const schema = readFileSync(path.join(ROOT, 'prisma', name, 'schema.prisma'), 'utf8');
    expect(schema).toContain(`output              = "../../subgraphs/${name}/generated/prisma"`);
    expect(schema).toContain(`url      = env("${name.toUpperCase()}_DATABASE_URL")`);
  });
});
