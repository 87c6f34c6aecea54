import { ApolloGateway, type SupergraphSdlHook } from '@apollo/gateway';
import type { QueryPlannerConfig } from '@apollo/query-planner';
import type { BffConfig } from '../lib/config/bff';
import type { PrefixRoutes } from '../lib/http/server';
import { assertionSigner, type Viewer } from '../lib/identity/assertion';
import { loadSigningKey } from '../lib/identity/keys';
import type { Logger } from '../lib/telemetry/logger';
import { BffDataSource } from './data-source';
import { mediaProxy, type ViewerOf } from './media-proxy';
import { followRevocations, type Revocations } from './revocations';
import { usersSessions, type Sessions } from './users-client';

/**
 * The query planner's options: Apollo's defaults. None of them changes how many fetches a plan has
 * (BENCHMARKS.md, issue 18); bench/query-plan.ts prints plans with the same.
 */
export const QUERY_PLANNER_CONFIG: QueryPlannerConfig = {};

export interface BffGateway {
  gateway: ApolloGateway;
  /** Refreshing and revoking sessions at users. */
  sessions: Sessions;
  /** The pass-through to media's file endpoints, given how to authenticate a file request. */
  mediaFiles: (viewerOf: ViewerOf) => PrefixRoutes;
  revocations: Revocations;
}

/**
 * A gateway over the supergraph `supergraph` gives (bff/supergraph-source.ts follows new versions)
 * whose subgraph calls carry `client`'s assertions, its session client, its pass-through to media's
 * file endpoints, and its view of users' revocations.
 */
export async function createBffGateway(client: string, supergraph: SupergraphSdlHook, logger: Logger, config: BffConfig): Promise<BffGateway> {
  // Every assertion names the subgraph it is for, so each call signs (and caches) for its target.
  const sign = assertionSigner(await loadSigningKey(config.signingKey), client);
  const signFor = (subgraph: string) => (viewer: Viewer | null) => sign(subgraph, viewer);
  // @apollo/gateway 2.14 otherwise starts an OpenTelemetry meter of its own at construction: it
  // probes AWS, GCP, Azure and Alibaba Cloud for resource attributes and exports usage data to
  // Apollo's servers every hour and at every stop. A BFF sends nothing anywhere but its subgraphs.
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const urls = config.subgraphUrls;
  const gateway = new ApolloGateway({
    supergraphSdl: supergraph,
    queryPlannerConfig: QUERY_PLANNER_CONFIG,
    buildService: ({ name }) => new BffDataSource({ subgraph: name, url: urls[name], sign: signFor(name), resilience: config.resilience[name], logger }),
  });
  return {
    gateway,
    sessions: usersSessions({ usersUrl: urls.users, sign: signFor('users'), timeoutMs: config.resilience.users.timeoutMs }),
    // The file routes authenticate their client the way the BFF's /graphql does (`viewerOf`).
    mediaFiles: (viewerOf) => mediaProxy(urls.media, signFor('media'), logger, viewerOf, config.mediaProxy),
    revocations: followRevocations({ consumer: client, usersUrl: urls.users, sign: () => sign('users', null), logger, pollMs: config.revocationsPollMs, ttlSeconds: config.tokens.ttlSeconds }),
  };
}
