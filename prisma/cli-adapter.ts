import { randomUUID } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

/**
 * The driver adapter the Prisma CLI uses for `migrate` and `db` commands, so it runs the
 * WebAssembly schema engine and downloads nothing (README.md, Prisma without engine downloads).
 * Used only by the CLI, never at run time.
 */

/** Postgres catalog types that @prisma/adapter-pg 6.19 cannot map (prisma/orm#27403). */
const CATALOG_TYPES = new Set([18 /* "char" */, 19 /* name */]);
const TEXT = 25;

function asText(result: unknown) {
  for (const r of Array.isArray(result) ? result : [result]) {
    for (const field of (r as pg.QueryResult | undefined)?.fields ?? []) {
      if (CATALOG_TYPES.has(field.dataTypeID)) field.dataTypeID = TEXT;
    }
  }
  return result;
}

/** Reports catalog columns as text, so introspection can deserialise them. */
class CatalogSafePool extends pg.Pool {
  query(...args: unknown[]): any {
    const result = (super.query as (...a: unknown[]) => unknown)(...args);
    return result instanceof Promise ? result.then(asText) : result;
  }
}

/**
 * The adapter's own shadow database uses a plain pool, bypassing the fix above; this one
 * creates a uniquely named database on the same server and drops it when Prisma is done.
 */
class CliAdapterFactory extends PrismaPg {
  constructor(private readonly url: string) {
    super(new CatalogSafePool({ connectionString: url, max: 2, allowExitOnIdle: true }), { disposeExternalPool: true });
  }

  async connectToShadowDb() {
    const name = `prisma_shadow_${randomUUID().replace(/-/g, '')}`;
    await this.admin(`CREATE DATABASE "${name}"`);
    const shadowUrl = new URL(this.url);
    shadowUrl.pathname = `/${name}`;
    const shadow = new PrismaPg(new CatalogSafePool({ connectionString: shadowUrl.toString(), max: 2, allowExitOnIdle: true }), {
      disposeExternalPool: true,
    });
    const adapter = await shadow.connect();
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await this.admin(`DROP DATABASE IF EXISTS "${name}"`);
    };
    return adapter;
  }

  private async admin(sql: string) {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

/** The adapter for the database named by the env variable `variable`. */
export function cliAdapter(variable: string): PrismaPg {
  const url = process.env[variable];
  if (!url) throw new Error(`${variable} must be set to run Prisma's migrate and db commands`);
  return new CliAdapterFactory(url);
}

/**
 * The Prisma CLI's config for one subgraph's database: the schema and migrations beside it
 * (`dir`), the client engine, and the adapter above on `<NAME>_DATABASE_URL`.
 */
export function subgraphPrismaConfig(name: 'users' | 'posts' | 'media', dir: string) {
  return defineConfig({
    experimental: { adapter: true },
    engine: 'js',
    schema: path.join(dir, 'schema.prisma'),
    migrations: { path: path.join(dir, 'migrations') },
    adapter: async () => cliAdapter(`${name.toUpperCase()}_DATABASE_URL`),
  });
}
