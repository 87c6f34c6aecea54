import type { Server } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { BffConfig } from '../lib/config/bff';
import { logMaskedErrors } from '../lib/graphql/plugins';
import { queryLimitRules, queryLimits } from '../lib/graphql/query-limits';
import { useOperationMetrics } from '../lib/telemetry/operation-metrics';
import type { BffContext } from './context';
import { maskError } from './error-masking';
import { useRequireOperation } from './plugins/use-require-operation';
import { refusalHold, sessionRateLimits, type SessionLimits } from './rate-limits';
import { explorationSettings } from './sandbox';

export interface BffServerOptions {
  /** The server Apollo drains at stop. */
  httpServer: Server;
  config: Pick<BffConfig, 'sandbox' | 'introspection' | 'queryLimits' | 'refusalHold'>;
  /** The page the BFF's resolvers serve when a client leaves `first` null or out, for the cost estimate. */
  pageSize: number;
  /** Per-address limits of session operations (bff/rate-limits.ts). */
  sessionLimits: SessionLimits;
  /** Plugins of this BFF, after the shared ones. @default [] */
  plugins?: ApolloServerPlugin<BffContext>[];
}

/** Apollo Server options both BFFs share. */
export function bffServerOptions({ httpServer, config, pageSize, sessionLimits, plugins = [] }: BffServerOptions) {
  const { introspection, landingPage } = explorationSettings(config);
  const limits = config.queryLimits;
  return {
    introspection,
    // Where the schema is not open to introspection, validation errors do not hint at it either
    // ("Did you mean …?" would let a client enumerate fields one guess at a time).
    hideSchemaDetailsFromClientErrors: !introspection,
    // Parsing stops at the token limit: a huge document costs microseconds, not the seconds its
    // validation and planning would.
    parseOptions: { maxTokens: limits.tokens },
    // Each validation error costs about a millisecond to build and format: a small document with
    // 60 repeated directives is 60 of them. The first ten say what to fix.
    validationOptions: { maxErrors: 10 },
    // graphql-armor's depth and alias counts, taken in the same pass; queryLimits decides.
    validationRules: queryLimitRules,
    includeStacktraceInErrorResponses: false,
    // Shutdown is lib/http/main.ts's: Apollo's own handler would re-raise the signal mid-drain.
    stopOnTerminationSignals: false,
    csrfPrevention: true,
    formatError: maskError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      useOperationMetrics<BffContext>(),
      landingPage,
      logMaskedErrors<BffContext>(),
      useRequireOperation<BffContext>(),
      queryLimits<BffContext>(limits, { pageSize }),
      sessionRateLimits<BffContext>(sessionLimits, refusalHold(config.refusalHold)),
      ...plugins,
    ],
  };
}
