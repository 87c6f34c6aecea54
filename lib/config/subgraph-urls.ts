import { readSupergraphConfig, subgraphUrlVariable } from '../graphql/composition';
import { envUrl } from './env';

/**
 * Where each subgraph answers GraphQL: supergraph.yaml's routing URL, overridden by
 * `<NAME>_SUBGRAPH_URL` (e.g. `USERS_SUBGRAPH_URL`), @default the routing URL.
 */
export function subgraphUrlConfig(): Record<string, string> {
  return Object.fromEntries(readSupergraphConfig().map((s) => [s.name, envUrl(subgraphUrlVariable(s.name), s.routingUrl)]));
}
