import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { ConfigError } from '../config/env';

/** Every signature in the graph (access tokens, gateway assertions) is ES256. */
export const ALGORITHM = 'ES256';

/** WebCrypto's key type, as jose returns it for an EC key. */
export type PrivateKey = Exclude<Awaited<ReturnType<typeof importJWK>>, Uint8Array>;

/** A private signing key with its `kid`, and the public half to publish. */
export interface SigningKey {
  kid: string;
  privateKey: PrivateKey;
  publicJwk: JWK;
}

/** A new ES256 key pair as a private JWK (with `kid`, `alg`, `use`), for env or a key file. */
export async function generatePrivateJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair(ALGORITHM, { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg: ALGORITHM, use: 'sig' };
}

export function publicHalf({ d: _d, ...publicJwk }: JWK): JWK {
  return publicJwk;
}

/** Imports a private JWK given as JSON (from env or a file); `source` names it in errors. */
export async function signingKeyFrom(json: string, source: string): Promise<SigningKey> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(json);
  } catch {
    throw new ConfigError(`${source} must be a private JWK in JSON`);
  }
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new ConfigError(`${source} must be a private EC P-256 JWK (ES256)`);
  const kid = jwk.kid ?? (await calculateJwkThumbprint(jwk));
  const privateKey = (await importJWK({ ...jwk, alg: ALGORITHM }, ALGORITHM)) as PrivateKey;
  return { kid, privateKey, publicJwk: { ...publicHalf(jwk), kid, alg: ALGORITHM, use: 'sig' } };
}

/**
 * Where a key or secret comes from (lib/config/keys.ts `keySource` builds it from env): `value`,
 * the variable's content when set; else, outside production, a file generated once under
 * `<dataDir>/keys/`, so a development install keeps its sessions across restarts.
 */
export interface KeySource {
  /** The variable that holds it, named in errors. */
  variable: string;
  /** The variable's value; undefined or empty when unset. */
  value?: string;
  /** The file name under `<dataDir>/keys/` used when `value` is unset outside production. */
  file: string;
  /** Production requires `value`. */
  production: boolean;
  dataDir: string;
}

/** The private JWK of `source`; see KeySource. */
export async function loadSigningKey(source: KeySource): Promise<SigningKey> {
  const { json, source: from } = await loadPrivateJwk(source);
  return signingKeyFrom(json, from);
}

/** The private JWK (as JSON) that loadSigningKey would use, and where it came from. */
export async function loadPrivateJwk({ variable, value, file, production, dataDir }: KeySource): Promise<{ json: string; source: string }> {
  if (value) return { json: value, source: variable };
  if (production) throw new ConfigError(`${variable} must be set in production (a private EC P-256 JWK)`);
  const keyFile = path.join(dataDir, 'keys', file);
  if (!existsSync(keyFile)) {
    mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, JSON.stringify(await generatePrivateJwk()), { mode: 0o600, flag: 'wx' });
  }
  return { json: readFileSync(keyFile, 'utf8'), source: keyFile };
}

/**
 * A symmetric secret (at least 32 characters) from `source`; where its variable is unset outside
 * production, 32 random bytes generated once and kept in `<dataDir>/keys/<file>` (mode 0600), so
 * every process of a development install (and every restart) shares it. Several processes may
 * start at once: the file is written aside and linked into place, so none reads a partial one.
 */
export function loadSecret({ variable, value, file, production, dataDir }: KeySource): string {
  if (value) {
    if (value.length < 32) throw new ConfigError(`${variable} must be at least 32 characters (e.g. openssl rand -base64 32)`);
    return value;
  }
  if (production) throw new ConfigError(`${variable} must be set in production (at least 32 random characters, the same on every replica)`);
  const keyFile = path.join(dataDir, 'keys', file);
  if (!existsSync(keyFile)) {
    mkdirSync(path.dirname(keyFile), { recursive: true, mode: 0o700 });
    const aside = `${keyFile}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(aside, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    try {
      linkSync(aside, keyFile);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // another process was first: use its secret
    } finally {
      unlinkSync(aside);
    }
  }
  return readFileSync(keyFile, 'utf8').trim();
}

/** The env that gives the BFFs a gateway signing key and the subgraphs its public half. */
export function gatewayKeyEnv(privateJwkJson: string): { bff: Record<string, string>; subgraph: Record<string, string> } {
  const jwk = JSON.parse(privateJwkJson) as JWK;
  return {
    bff: { GATEWAY_SIGNING_KEY: privateJwkJson },
    subgraph: { GATEWAY_PUBLIC_KEYS: JSON.stringify({ keys: [publicHalf(jwk)] }) },
  };
}

/** The env that gives a service (media, posts) its signing key and the subgraphs it calls its public half. */
export function serviceKeyEnv(service: string, privateJwkJson: string): { own: Record<string, string>; callees: Record<string, string> } {
  const jwk = JSON.parse(privateJwkJson) as JWK;
  const name = service.toUpperCase();
  return {
    own: { [`${name}_SIGNING_KEY`]: privateJwkJson },
    callees: { [`${name}_PUBLIC_KEYS`]: JSON.stringify({ keys: [publicHalf(jwk)] }) },
  };
}

/** Public keys given as a JWKS (`{"keys":[…]}`) or a JSON array of JWKs. */
export function parsePublicKeys(json: string, source: string): JWK[] {
  try {
    const parsed = JSON.parse(json);
    const keys: JWK[] = Array.isArray(parsed) ? parsed : parsed.keys;
    if (Array.isArray(keys) && keys.length > 0 && keys.every((k) => k.kty === 'EC' && !k.d)) return keys;
  } catch {
    // reported below
  }
  throw new ConfigError(`${source} must be a JWKS or an array of public EC JWKs, with at least one key`);
}
