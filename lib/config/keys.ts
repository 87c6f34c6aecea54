import path from 'node:path';
import type { KeySource } from '../identity/keys';
import { ConfigError, envString, isProduction, type SubgraphName } from './env';

/** Env of the BFFs: the private JWK gateway assertions (a user's identity) are signed with. */
export const GATEWAY_SIGNING_KEY = 'GATEWAY_SIGNING_KEY';
/** Env of the subgraphs: the public keys of those assertions, as a JWKS. */
export const GATEWAY_PUBLIC_KEYS = 'GATEWAY_PUBLIC_KEYS';

/** `MEDIA_SIGNING_KEY`, `POSTS_SIGNING_KEY`: the private JWK a subgraph signs its calls to another with, as itself. */
export function serviceSigningKeyVariable(service: SubgraphName): string {
  return `${service.toUpperCase()}_SIGNING_KEY`;
}

/** `MEDIA_PUBLIC_KEYS`, `POSTS_PUBLIC_KEYS`: env of the subgraphs that service may call, the JWKS of its key. */
export function servicePublicKeysVariable(service: SubgraphName): string {
  return `${service.toUpperCase()}_PUBLIC_KEYS`;
}

/** A subgraph's own signing key: its variable, else (outside production) `<DATA_DIR>/keys/<service>-signing.jwk.json`. */
export function serviceKeySource(service: SubgraphName): KeySource {
  return keySource(serviceSigningKeyVariable(service), `${service}-signing.jwk.json`);
}

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
  const value = envString(variable);
  const production = isProduction();
  // Found at start with the other variables, not later when the key is first loaded.
  if (production && value === undefined) throw new ConfigError(`${variable} must be set in production`);
  return { variable, value, file, production, dataDir: dataDir() };
}
