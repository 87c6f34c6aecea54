import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { cliAdapter } from '../cli-adapter';

// The users subgraph's database; see ../cli-adapter.ts for why the CLI runs through an adapter.
export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname, 'schema.prisma'),
  migrations: { path: path.join(__dirname, 'migrations') },
  adapter: async () => cliAdapter('USERS_DATABASE_URL'),
});
