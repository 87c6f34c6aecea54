import { bffConfig, type BffConfig } from '../lib/config/bff';
import { envBool } from '../lib/config/env';

/** bff-mobile's configuration: what both BFFs read (lib/config/bff.ts), and its own. */
export interface MobileConfig extends BffConfig {
  /** Only the operations of the app's manifest run. `MOBILE_SAFELIST`, @default production */
  safelist: boolean;
}

/** Reads bff-mobile's env once, at start; a bad value throws a ConfigError naming it. */
export function loadMobileConfig(): MobileConfig {
  const common = bffConfig('bff-mobile');
  return { ...common, safelist: envBool('MOBILE_SAFELIST', common.production) };
}
