import path from 'node:path';
import { bffConfig, type BffConfig } from '../lib/config/bff';
import { ConfigError, envOrigins, envString, envMs } from '../lib/config/env';

/** bff-web's configuration: what both BFFs read (lib/config/bff.ts), and its own. */
export interface WebConfig extends BffConfig {
  /** Browser origins allowed besides bff-web's own, with credentials. `WEB_ORIGINS`, @default none */
  allowedOrigins: string[];
  /**
   * bff-web's own origin as browsers see it (e.g. https://app.example.com): when set, only it counts
   * as same-origin; unset, the request's Host header does. `WEB_PUBLIC_ORIGIN`, @default unset
   */
  publicOrigin?: string;
  /** The built web app. `WEB_DIST`, @default web/dist */
  webDist: string;
  /**
   * How long the outcome of spending a refresh token is shared with requests that carried the
   * same token. `REFRESH_REUSE_WINDOW_MS`, @default 3000
   */
  refreshReuseWindowMs: number;
}

/** Where the built web app is: `WEB_DIST`, default web/dist (made by `npm run build`); start and tests build it there. */
export function webDist(): string {
  return path.resolve(envString('WEB_DIST', path.join(__dirname, '..', 'web', 'dist')));
}

/** Reads bff-web's env once, at start; a bad value throws a ConfigError naming it. */
export function loadWebConfig(): WebConfig {
  const shared = bffConfig('bff-web');
  const publicOrigin = envOrigins('WEB_PUBLIC_ORIGIN')[0];
  // Without it the same-origin check trusts the Host header, which a client chooses.
  if (shared.production && !publicOrigin) throw new ConfigError('WEB_PUBLIC_ORIGIN must be set in production: the origin browsers load the app from');
  return {
    ...shared,
    allowedOrigins: envOrigins('WEB_ORIGINS'),
    publicOrigin,
    webDist: webDist(),
    refreshReuseWindowMs: envMs('REFRESH_REUSE_WINDOW_MS', 3_000, { min: 0, max: 60_000 }),
  };
}
