import path from 'node:path';
import { bffConfig, type BffConfig } from '../lib/config/bff';
import { ConfigError, envBool, envOrigins, envString } from '../lib/config/env';
import { RELEASED_MANIFESTS_DIR, supportedManifests, type PersistedQueryManifest } from './safelist';

/** bff-mobile's configuration: what both BFFs read (lib/config/bff.ts), and its own. */
export interface MobileConfig extends BffConfig {
  /** Only the operations of the app's manifest run. `MOBILE_SAFELIST`, @default production */
  safelist: boolean;
  /** Browser origins of the app's web build, allowed by CORS (no credentials). `MOBILE_WEB_ORIGINS`, @default none */
  webOrigins: string[];
  /**
   * The manifests of every supported app version: the released ones, read from
   * `MOBILE_MANIFESTS_DIR` (@default bff-mobile/client/manifests), and the current app's.
   */
  manifests: PersistedQueryManifest[];
}

/** Read at start, so that a folder or manifest that is not one stops bff-mobile with one line, not later with a stack trace. */
function manifestsConfig(): PersistedQueryManifest[] {
  const raw = envString('MOBILE_MANIFESTS_DIR', RELEASED_MANIFESTS_DIR);
  try {
    return Object.values(supportedManifests(path.resolve(raw)));
  } catch (error) {
    throw new ConfigError(`MOBILE_MANIFESTS_DIR must be a folder of app manifests (<version>.json): ${(error as Error).message}; got "${raw}"`);
  }
}

/** Reads bff-mobile's env once, at start; a bad value throws a ConfigError naming it. */
export function loadMobileConfig(): MobileConfig {
  const common = bffConfig('bff-mobile');
  return {
    ...common,
    safelist: envBool('MOBILE_SAFELIST', common.production),
    webOrigins: envOrigins('MOBILE_WEB_ORIGINS'),
    manifests: manifestsConfig(),
  };
}
