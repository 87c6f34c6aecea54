import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';

export interface ExplorationOptions {
  /** Apollo Sandbox's landing page at /graphql. `ENABLE_SANDBOX`, @default !production */
  sandbox: boolean;
  /** `ENABLE_INTROSPECTION`, @default !production */
  introspection: boolean;
}

/** Sandbox and introspection: on outside production; in production off unless the config turns them on. */
export function explorationSettings({ sandbox, introspection }: ExplorationOptions) {
  return {
    introspection,
    landingPage: sandbox
      ? ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: true })
      : ApolloServerPluginLandingPageDisabled(),
  };
}
