import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, Kind, parse, validate } from 'graphql';
import { splitOperations } from './documents';
import { sha256, type PersistedQueryManifest } from './safelist';

/**
 * Builds a persisted query manifest (Apollo's format) from a folder of `.graphql` operations,
 * validated against `schemaFile`: one entry per operation, its text the operation followed by
 * the fragments it uses, its id that text's sha256.
 */
export function buildManifest(operationsDir: string, schemaFile: string): PersistedQueryManifest {
  const schema = buildSchema(readFileSync(schemaFile, 'utf8'));
  const definitions = readdirSync(operationsDir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .flatMap((f) => parse(readFileSync(path.join(operationsDir, f), 'utf8')).definitions);
  const errors = validate(schema, { kind: Kind.DOCUMENT, definitions });
  if (errors.length) throw new Error(`mobile operations do not match the mobile schema:\n${errors.map((e) => `- ${e.message}`).join('\n')}`);
  return {
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations: splitOperations(definitions).map(({ name, type, body }) => ({ id: sha256(body), name, type, body })),
  };
}
