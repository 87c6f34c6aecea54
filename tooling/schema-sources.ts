/**
 * What the schema gate (tooling/schema-check.ts) compares: the schemas of today, composed from
 * a supergraph config, the release baseline (schema/baseline/, written by `npm run
 * schema:release`), and every operation a known client sends.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { CodeFileLoader } from '@graphql-tools/code-file-loader';
import { loadDocumentsSync } from '@graphql-tools/load';
import { buildASTSchema, buildSchema, parse, type DefinitionNode, type GraphQLSchema } from 'graphql';
import ts from 'typescript';
import YAML from 'yaml';
import { webApiSdl } from '../bff-web/contract';
import { splitOperations, type NamedOperation } from '../bff-mobile/documents';
import { supportedManifests } from '../bff-mobile/safelist';
import { compose, readSupergraphConfig, ROOT, SUPERGRAPH_CONFIG } from '../lib/graphql/composition';
import type { KnownOperations, SchemaSet } from './schema-check';

export const BASELINE_DIR = path.join(ROOT, 'schema', 'baseline');
const MOBILE = path.join(ROOT, 'bff-mobile');

/** The schemas as text: what the baseline holds, file by file. */
export interface SchemaSnapshot {
  /** Each subgraph's SDL, by name. */
  subgraphs: Record<string, string>;
  supergraph: string;
  /** bff-web's API (the web contract), printed. */
  web: string;
  /** bff-mobile's schema. */
  mobile: string;
}

/** Today's schemas, composed from `config` (a supergraph.yaml); throws with composition's messages. */
export function currentSnapshot(config = SUPERGRAPH_CONFIG): SchemaSnapshot {
  const subgraphs = readSupergraphConfig(config);
  const result = compose(subgraphs);
  if (!result.ok) throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e}`).join('\n')}`);
  return {
    subgraphs: Object.fromEntries(subgraphs.map((s) => [s.name, readFileSync(s.schemaFile, 'utf8')])),
    supergraph: result.supergraphSdl,
    web: webApiSdl(result.supergraphSdl),
    mobile: readFileSync(path.join(MOBILE, 'schema.graphql'), 'utf8'),
  };
}

/** The baseline's files: `subgraphs/<name>.graphql`, `supergraph.graphql`, `bff-web.graphql`, `bff-mobile.graphql`. */
export function readBaseline(dir = BASELINE_DIR): SchemaSnapshot {
  const read = (file: string) => readFileSync(path.join(dir, file), 'utf8');
  const subgraphs = readdirSync(path.join(dir, 'subgraphs')).filter((f) => f.endsWith('.graphql'));
  return {
    subgraphs: Object.fromEntries(subgraphs.map((f) => [f.slice(0, -'.graphql'.length), read(path.join('subgraphs', f))])),
    supergraph: read('supergraph.graphql'),
    web: read('bff-web.graphql'),
    mobile: read('bff-mobile.graphql'),
  };
}

export function writeBaseline(snapshot: SchemaSnapshot, dir = BASELINE_DIR): void {
  mkdirSync(path.join(dir, 'subgraphs'), { recursive: true });
  for (const file of readdirSync(path.join(dir, 'subgraphs'))) {
    if (!(file.slice(0, -'.graphql'.length) in snapshot.subgraphs)) throw new Error(`the baseline has a subgraph ${file} that is no longer composed: delete it first`);
  }
  for (const [name, sdl] of Object.entries(snapshot.subgraphs)) writeFileSync(path.join(dir, 'subgraphs', `${name}.graphql`), sdl);
  writeFileSync(path.join(dir, 'supergraph.graphql'), snapshot.supergraph);
  writeFileSync(path.join(dir, 'bff-web.graphql'), snapshot.web);
  writeFileSync(path.join(dir, 'bff-mobile.graphql'), snapshot.mobile);
}

/** The schemas of a snapshot. A subgraph's SDL is built as is: federation's directives are not what clients see. */
export function schemasOf(snapshot: SchemaSnapshot): SchemaSet {
  return {
    subgraphs: Object.fromEntries(
      Object.entries(snapshot.subgraphs).map(([name, sdl]) => [name, buildASTSchema(parse(sdl), { assumeValidSDL: true }) as GraphQLSchema]),
    ),
    supergraph: Supergraph.build(snapshot.supergraph).apiSchema().toGraphQLJSSchema(),
    web: buildSchema(snapshot.web),
    mobile: buildSchema(snapshot.mobile),
  };
}

/** The web app's operations: the documents web/codegen.yml types, found the way @graphql-codegen finds them. */
export function webOperations(): NamedOperation[] {
  const codegen = YAML.parse(readFileSync(path.join(ROOT, 'web', 'codegen.yml'), 'utf8')) as { documents: string[] };
  const sources = loadDocumentsSync(codegen.documents, { loaders: [new CodeFileLoader()], cwd: ROOT });
  return splitOperations(sources.flatMap((s) => s.document?.definitions ?? []));
}

function operationsOf(text: string): NamedOperation[] {
  return splitOperations(parse(text).definitions as DefinitionNode[]);
}

/**
 * Which supergraph operations the resolver of each mobile root field runs, read from
 * bff-mobile/resolvers.ts: the generated `Mobile…Document`s each `Query`/`Mutation` resolver
 * names. Read from the code, so that it cannot drift from what the resolvers do.
 */
export function resolverOperations(file = path.join(MOBILE, 'resolvers.ts')): Record<string, string[]> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const map: Record<string, string[]> = {};
  const documents = (node: ts.Node, found = new Set<string>()): Set<string> => {
    if (ts.isIdentifier(node) && /^Mobile\w+Document$/.test(node.text)) found.add(node.text.slice(0, -'Document'.length));
    node.forEachChild((child) => void documents(child, found));
    return found;
  };
  source.forEachChild(function find(node) {
    if (ts.isVariableDeclaration(node) && node.name.getText() === 'resolvers' && node.initializer && ts.isObjectLiteralExpression(node.initializer)) {
      for (const root of node.initializer.properties) {
        if (!ts.isPropertyAssignment(root) || !['Query', 'Mutation'].includes(root.name.getText()) || !ts.isObjectLiteralExpression(root.initializer)) continue;
        for (const field of root.initializer.properties) map[`${root.name.getText()}.${field.name!.getText()}`] = [...documents(field)];
      }
    }
    node.forEachChild(find);
  });
  if (Object.keys(map).length === 0) throw new Error(`${path.relative(ROOT, file)}: no Query or Mutation resolvers found in \`resolvers\``);
  return map;
}

/** Every operation a known client sends: the web app's, bff-mobile's, and each supported mobile app version's. */
export function knownOperations(manifestsDir?: string): KnownOperations {
  return {
    web: webOperations(),
    supergraph: operationsOf(readFileSync(path.join(MOBILE, 'operations.graphql'), 'utf8')),
    resolverOperations: resolverOperations(),
    mobile: Object.fromEntries(
      Object.entries(supportedManifests(manifestsDir)).map(([version, manifest]) => [version, manifest.operations.flatMap((op) => operationsOf(op.body))]),
    ),
  };
}
