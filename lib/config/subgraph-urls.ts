import { readSupergraphConfig } from '../graphql/composition';
import { envUrl } from './env';

/** `USERS_SUBGRAPH_URL` overrides the users routing URL of supergraph.yaml, and so on. */
export function subgraphUrlVariable(name: string): string {
  return `${name.toUpperCase()}_SUBGRAPH_URL`;
}

/** Subgraph URLs: supergraph.yaml's routing URLs, each overridable by env. Read by config modules at start. */
export function subgraphUrls(): Record<string, string> {
  return Object.fromEntries(readSupergraphConfig().map((s) => [s.name, envUrl(subgraphUrlVariable(s.name), s.routingUrl)]));
}
