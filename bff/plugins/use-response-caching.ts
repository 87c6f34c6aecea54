import { createHash } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { printSchema, type GraphQLSchema } from 'graphql';
import { recordCacheLookup } from '../../lib/telemetry/metrics';
import type { BffContext } from '../context';

/** A schema's fingerprint, computed once per schema (a BFF has one until it reloads its supergraph). */
const fingerprints = new WeakMap<GraphQLSchema, string>();
function fingerprint(schema: GraphQLSchema): string {
  let known = fingerprints.get(schema);
  if (known === undefined) {
    known = createHash('sha256').update(printSchema(schema)).digest('base64url');
    fingerprints.set(schema, known);
  }
  return known;
}

export interface ResponseCachingOptions<TContext> {
  /** Keep anonymous answers in memory for as long as their hints allow. `RESPONSE_CACHE`, @default true */
  enabled?: boolean;
  /** An answer is stored only when this says so (bff-mobile: not with partial errors). @default always */
  cacheable?: (context: TContext) => boolean;
  /** Where answers are kept: shared by the replicas (Redis, bff/shared-state.ts). @default Apollo Server's in-memory cache */
  cache?: KeyValueCache<string>;
}

/**
 * Cache-Control and response caching, from the schema's @cacheControl hints (a gateway takes the
 * subgraphs' hints from their Cache-Control headers). Any answer to a signed-in viewer is
 * `private`. Anonymous reads are answered from the response cache (in memory, or in Redis) for as
 * long as the hints allow, keyed by the schema too; a request with `Cache-Control: no-cache` skips
 * it. Answers with errors are never stored, nor those `cacheable` refuses. Each lookup counts as a
 * hit or a miss in `graphql_response_cache_requests_total`.
 */
export function useResponseCaching<TContext extends BffContext>({ enabled = true, cacheable = () => true, cache }: ResponseCachingOptions<TContext> = {}): ApolloServerPlugin<TContext>[] {
  const privateForViewers: ApolloServerPlugin<TContext> = {
    async requestDidStart({ contextValue, overallCachePolicy }) {
      if (contextValue.viewer) overallCachePolicy.restrict({ scope: 'PRIVATE' });
      return {
        // A public answer is the anonymous one: an HTTP cache in front (a CDN, a proxy's cache)
        // must not hand it, keyed on the GET's URL alone, to a request that carries a session.
        async willSendResponse({ response }) {
          const vary = response.http.headers.get('vary');
          response.http.headers.set('vary', vary ? `${vary}, Cookie, Authorization` : 'Cookie, Authorization');
        },
      };
    },
  };
  if (!enabled) return [privateForViewers];
  type Request = { contextValue: TContext; request: { http?: { headers: { get(name: string): string | undefined } } } };
  const anonymous = ({ contextValue, request }: Request) => !contextValue.viewer && !/no-cache|no-store/i.test(request.http?.headers.get('cache-control') ?? '');
  // The requests whose answer was looked up: Apollo's plugin marks a hit, not a lookup.
  const lookedUp = new WeakSet<TContext>();
  const countLookups: ApolloServerPlugin<TContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, metrics }) {
          if (lookedUp.has(contextValue)) recordCacheLookup(metrics.responseCacheHit === true);
        },
      };
    },
  };
  return [
    privateForViewers,
    countLookups,
    responseCachePlugin<TContext>({
      cache,
      // Part of the key: replicas of two versions side by side (a rolling deploy), or a BFF that
      // has just reloaded its supergraph, never answer with a copy shaped by another schema.
      extraCacheKeyData: async ({ schema }) => fingerprint(schema),
      shouldReadFromCache: async (requestContext) => {
        const read = anonymous(requestContext);
        if (read) lookedUp.add(requestContext.contextValue);
        return read;
      },
      shouldWriteToCache: async (requestContext) => anonymous(requestContext) && cacheable(requestContext.contextValue),
    }),
  ];
}
