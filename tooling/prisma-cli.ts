import { spawn } from 'node:child_process';
import path from 'node:path';
import { databaseUrlVariable, type SubgraphName } from '../lib/config/env';

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(ROOT, 'node_modules', 'prisma', 'build', 'index.js');
const PRELOAD = path.join(ROOT, 'prisma', 'unref-long-timers.cjs');

/** `generate` only reads the schema, but the CLI needs a well-formed URL to read it (PRISMA.md). */
const PLACEHOLDER_URL = 'postgresql://prisma@localhost:5432/generate-only';

/**
 * Runs the Prisma CLI for one subgraph's schema, with that subgraph's database URL and
 * nothing else of ours in its environment. Resolves with the CLI's output, rejects with it.
 */
export function runPrisma(
  name: SubgraphName,
  args: string[],
  { databaseUrl, stdio = 'pipe' }: { databaseUrl?: string; stdio?: 'pipe' | 'inherit' } = {},
): Promise<string> {
  const variable = databaseUrlVariable(name);
  const env = {
    ...process.env,
    [variable]: databaseUrl ?? process.env[variable] ?? PLACEHOLDER_URL,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  const config = path.join(ROOT, 'prisma', name, 'prisma.config.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', PRELOAD, CLI, ...args, '--config', config], { cwd: ROOT, env, stdio });
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`prisma ${args.join(' ')} for ${name} failed (exit ${code}):\n${output}`)),
    );
  });
}

/** Applies the committed migrations of one subgraph (`prisma migrate deploy`). */
export function migrate(name: SubgraphName, databaseUrl: string): Promise<string> {
  return runPrisma(name, ['migrate', 'deploy'], { databaseUrl });
}
