/**
 * `npm run prisma -- <users|posts|media> <prisma args…>`: the Prisma CLI for one subgraph,
 * through the driver adapter (no engine download) and without the CLI's idle minute.
 * `npm run generate` runs `generate` for all three.
 * Example: `npm run prisma -- posts migrate dev --name add_slug`
 */
import { SUBGRAPHS, type SubgraphName } from '../lib/config/env';
import { runPrisma } from '../tooling/prisma-cli';

async function main() {
  const [name, ...args] = process.argv.slice(2);
  if (name === 'all') {
    for (const subgraph of SUBGRAPHS) await runPrisma(subgraph, args, { stdio: 'inherit' });
    return;
  }
  if (!SUBGRAPHS.includes(name as SubgraphName) || args.length === 0) {
    console.error(`usage: npm run prisma -- <${SUBGRAPHS.join('|')}|all> <prisma command…>`);
    process.exit(2);
  }
  await runPrisma(name as SubgraphName, args, { stdio: 'inherit' });
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
