import { subgraphConfig, type SubgraphConfig } from '../../lib/config/subgraph';

/** Everything the posts subgraph reads from its environment: only what every subgraph reads (README.md). */
export type PostsConfig = SubgraphConfig;

export function loadPostsConfig(): PostsConfig {
  return subgraphConfig('posts');
}
