import { readFileSync } from 'node:fs';
import { Supergraph } from '@apollo/federation-internals';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { SUPERGRAPH_SDL } from '../lib/graphql/composition';
import { contractSupergraph } from '../lib/graphql/contract';

/** Elements tagged with these are not part of the web contract. */
export const WEB_EXCLUDED_TAGS = ['internal'];

/**
 * The supergraph bff-web serves: `supergraphSdl` (@default supergraph.graphql) without the
 * elements tagged WEB_EXCLUDED_TAGS (lib/graphql/contract.ts), recomputed for each new supergraph.
 * Its own module so scripts/web-schema.ts writes the same API without loading the server.
 */
export function webSupergraphSdl(supergraphSdl = readFileSync(SUPERGRAPH_SDL, 'utf8')): string {
  return contractSupergraph(supergraphSdl, WEB_EXCLUDED_TAGS);
}

/** bff-web's API, printed sorted: what web/schema.graphql holds, and what the schema gate compares. */
export function webApiSdl(supergraphSdl: string): string {
  return printSchema(lexicographicSortSchema(Supergraph.build(webSupergraphSdl(supergraphSdl)).apiSchema().toGraphQLJSSchema()));
}
