import path from 'node:path';
import { bffConfig, type BffConfig } from '../lib/config/bff';
import { envBool, envOrigins, envString } from '../lib/config/env';
import { RELEASED_MANIFESTS_DIR } from './safelist';

/** bff-mobile's configuration: what both BFFs read (lib/config/bff.ts), and its own. */
export interface MobileConfig extends BffConfig {
  /** Only the operations of the app's manifest run. `MOBILE_SAFELIST`, @default production */
  safelist: boolean;
  /** Browser origins of the app's web build, allowed by CORS (no credentials). `MOBILE_WEB_ORIGINS`, @default none */
  webOrigins: string[];
  /** The manifests of the released app versions still supported. `MOBILE_MANIFESTS_DIR`, @default bff-mobile/client/manifests */
  manifestsDir: string;
}

/** Reads bff-mobile's env once, at start; a bad value throws a ConfigError naming it. */
export function loadMobileConfig(): MobileConfig {
  const common = bffConfig('bff-mobile');
  return {
    ...common,
    safelist: envBool('MOBILE_SAFELIST', common.production),
    webOrigins: envOrigins('MOBILE_WEB_ORIGINS'),
    manifestsDir: path.resolve(envString('MOBILE_MANIFESTS_DIR', RELEASED_MANIFESTS_DIR)),
  };
}
