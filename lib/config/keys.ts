import path from 'node:path';
import type { KeySource } from '../identity/keys';
import { envString, processConfig } from './env';

/**
 * Where the data of a development install lives: `DATA_DIR`, @default `./data` at the
 * repository's root (keys under `keys/`, the embedded database, media files).
 */
export function dataDir(): string {
  return envString('DATA_DIR', path.resolve(__dirname, '..', '..', 'data'));
}

/**
 * Where a key or secret comes from: env `variable` when set; else, outside production, a file
 * `<DATA_DIR>/keys/<file>` generated once (lib/identity/keys.ts). Production requires the variable.
 */
export function keySource(variable: string, file: string): KeySource {
  return { variable, value: envString(variable), file, production: processConfig().production, dataDir: dataDir() };
}
