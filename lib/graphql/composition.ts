import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import YAML from 'yaml';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SUPERGRAPH_CONFIG = path.join(ROOT, 'supergraph.yaml');
/** The composed supergraph: a build artifact, committed, loaded by the gateways at start. */
export const SUPERGRAPH_SDL = path.join(ROOT, 'supergraph.graphql');

/** One subgraph of supergraph.yaml (where a service is reached at run time is lib/config/subgraph-urls.ts). */
export interface SupergraphEntry {
  name: string;
  routingUrl: string;
  schemaFile: string;
}

/** Reads Rover's supergraph config: `federation_version`, and per subgraph `routing_url` and `schema.file`. */
export function readSupergraphConfig(file = SUPERGRAPH_CONFIG): SupergraphEntry[] {
  const config = YAML.parse(readFileSync(file, 'utf8'));
  if (!/^=?2(\.|$)/.test(String(config?.federation_version ?? ''))) {
    throw new Error(`${path.basename(file)}: federation_version must be 2.x; got ${config?.federation_version}`);
  }
  return Object.entries<{ routing_url?: string; schema?: { file?: string } }>(config.subgraphs ?? {}).map(([name, sub]) => {
    if (!sub?.routing_url || !sub.schema?.file) {
      throw new Error(`${path.basename(file)}: subgraph ${name} needs routing_url and schema.file`);
    }
    return { name, routingUrl: sub.routing_url, schemaFile: path.resolve(path.dirname(file), sub.schema.file) };
  });
}

/**
 * Writes a composed supergraph to `file` in one step (a temporary file renamed over it): running
 * BFFs watch it (bff/supergraph-source.ts) and must never read half of it.
 */
export function writeSupergraph(supergraphSdl: string, file = SUPERGRAPH_SDL): void {
  writeFileSync(`${file}.next`, supergraphSdl);
  renameSync(`${file}.next`, file);
}

export type CompositionResult = { ok: true; supergraphSdl: string } | { ok: false; errors: string[] };

/** Composes the subgraphs of the config; on failure, composition's own messages. */
export function compose(subgraphs = readSupergraphConfig()): CompositionResult {
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.routingUrl, typeDefs: parse(readFileSync(s.schemaFile, 'utf8')) })),
  );
  if (result.errors) return { ok: false, errors: result.errors.map((e) => e.message) };
  return { ok: true, supergraphSdl: result.supergraphSdl };
}
