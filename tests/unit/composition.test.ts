import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, isNonNullType, isObjectType } from 'graphql';
import { compose, readSupergraphConfig, ROOT, SUPERGRAPH_SDL } from '../../lib/graphql/composition';
import { contractSupergraph } from '../../lib/graphql/contract';
import { Supergraph } from '@apollo/federation-internals';

describe('composition', () => {
  const result = compose();

  it('composes the subgraphs of supergraph.yaml without errors', () => {
    expect(result.ok ? [] : result.errors).toEqual([]);
  });

  it('matches the committed supergraph.graphql (run `npm run compose` when this fails)', () => {
    expect(result.ok && result.supergraphSdl).toBe(readFileSync(SUPERGRAPH_SDL, 'utf8'));
  });

  it('lists the three subgraphs with their schema files', () => {
    expect(readSupergraphConfig().map((s) => s.name)).toEqual(['users', 'posts', 'media']);
  });

  it('reports composition errors with composition’s own messages', () => {
    const broken = readSupergraphConfig().map((s) =>
      s.name === 'media' ? { ...s, schemaFile: require.resolve('./fixtures/conflicting-media.graphql') } : s,
    );
    const outcome = compose(broken);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.errors.join('\n')).toMatch(/Post\.title/);
  });

  // A field that one subgraph contributes to another's entity must be nullable: when that
  // subgraph fails, only the field becomes null, never the entity that holds it.
  it('makes every field contributed to another subgraph’s entity nullable', () => {
    const owners: Record<string, string> = { User: 'users', Post: 'posts', Media: 'media' };
    const offenders: string[] = [];
    for (const subgraph of readSupergraphConfig()) {
      const schema = buildSchema(readFileSync(subgraph.schemaFile, 'utf8').replace(/^extend schema[^\n]*\n/m, '') + FEDERATION_STUBS);
      for (const [typeName, owner] of Object.entries(owners)) {
        const type = schema.getType(typeName);
        if (owner === subgraph.name || !type || !isObjectType(type)) continue;
        for (const field of Object.values(type.getFields())) {
          if (field.name !== 'id' && isNonNullType(field.type)) offenders.push(`${subgraph.name}: ${typeName}.${field.name}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });
});

const FEDERATION_STUBS = `
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
`;

describe('service-to-service fields', () => {
  // One mechanism hides fields from clients: @tag(name: "internal"), which the web contract
  // removes and bff-mobile never exposes (its clients see only bff-mobile/schema.graphql).
  const sdl = readFileSync(SUPERGRAPH_SDL, 'utf8');
  const web = Supergraph.build(contractSupergraph(sdl, ['internal'])).apiSchema().toGraphQLJSSchema();
  const mobile = buildSchema(readFileSync(path.join(ROOT, 'bff-mobile', 'schema.graphql'), 'utf8'));

  it.each(['sessionRevocations'])('keeps %s out of every client’s API', (field) => {
    expect(Object.keys(web.getQueryType()!.getFields())).not.toContain(field);
    expect(Object.keys(mobile.getQueryType()!.getFields())).not.toContain(field);
  });

  it.each(['SessionRevocation', 'CreateMediaInput'])('leaves no internal type (%s) in the web contract', (type) => {
    expect(web.getType(type)).toBeUndefined();
  });

  it('hides fields with the internal tag only: @inaccessible is left to the cache hints’ enum, which is part of no API', () => {
    for (const subgraph of readSupergraphConfig()) {
      const schema = readFileSync(subgraph.schemaFile, 'utf8').replace(/"""[\s\S]*?"""/g, '');
      const hidden = schema.split('\n').filter((line) => line.includes('@inaccessible') && !line.includes('@link'));
      expect(hidden).toEqual(['enum CacheControlScope @inaccessible {']);
    }
  });
});
