/**
 * The access-token settings moved to lib/config/tokens.ts (`tokenConfig()`), called from each
 * service's config. This alias keeps the subgraphs' call sites working until they take it from
 * their config.
 * @deprecated use tokenConfig() in a config module and pass the result in.
 */
export { tokenConfig as tokenSettings, type TokenConfig } from '../config/tokens';
