/**
 * What the deployment tests share: the environment the image gives every container (the Dockerfile's
 * ENV), a fresh set of production keys from `npm run keys`, and whether a service's own config module
 * accepts an environment as production would run it. The required variables are not listed here: each
 * service's loader decides, so a variable a service starts to require fails these tests until the
 * manifests set it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, DEFAULT_PORTS, SUBGRAPHS } from '../../lib/config/env';
import { loadPrivateJwk, signingKeyFrom, type KeySource } from '../../lib/identity/keys';
import { loadMobileConfig } from '../../bff-mobile/config';
import { loadWebConfig } from '../../bff-web/config';
import { loadMediaConfig } from '../../subgraphs/media/config';
import { loadPostsConfig } from '../../subgraphs/posts/config';
import { loadUsersConfig } from '../../subgraphs/users/config';

export const ROOT = path.resolve(__dirname, '..', '..');

export type ServiceName = keyof typeof DEFAULT_PORTS;
export const SERVICES = Object.keys(DEFAULT_PORTS) as ServiceName[];

/** Each service's config loader, as its index.ts calls it; with its signing key where it has one. */
const LOADERS: Record<ServiceName, () => object> = {
  users: loadUsersConfig,
  posts: loadPostsConfig,
  media: loadMediaConfig,
  'bff-web': loadWebConfig,
  'bff-mobile': loadMobileConfig,
};

/** The runtime stage's `ENV` of the Dockerfile, with the build argument SERVICE filled in. */
export function imageEnv(service: string): Record<string, string> {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, body] of runtime.matchAll(/^ENV\s+(.*)$/gm)) {
    for (const pair of body.trim().split(/\s+/)) {
      const [name, value] = pair.split(/=(.*)/s);
      env[name] = value.replace('${SERVICE}', service);
    }
  }
  return env;
}

/** `npm run keys -- <file>`, run as a team would; returns the variables it wrote. */
export function generateKeys(file: string): Record<string, string> {
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'keys.ts'), file], { cwd: ROOT, stdio: 'pipe' });
  return parseEnvFile(readFileSync(file, 'utf8'));
}

/** `NAME=value` lines, as compose's .env and kustomize's secretGenerator read them (values unquoted). */
export function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (match) env[match[1]] = match[2];
  }
  return env;
}

/**
 * Runs `service`'s config loader, then loads its keys, with exactly `env` as the process environment.
 * Resolves with the message of what stopped it, or undefined when it would start.
 */
export async function configProblem(service: ServiceName, env: Record<string, string>): Promise<string | undefined> {
  const saved = process.env;
  process.env = { ...env };
  try {
    const config: { signingKey?: KeySource } = LOADERS[service]();
    if (config.signingKey) {
      const { json, source } = await loadPrivateJwk(config.signingKey);
      await signingKeyFrom(json, source);
    }
    return undefined;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  } finally {
    process.env = saved;
  }
}

/** compose.yaml's services, with its YAML merge keys (`<<`) applied as compose applies them. */
export function composeServices<Service>(): Record<string, Service> {
  const compose = parse(readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  return compose.services;
}

/** What the README has a team put in compose's .env: `npm run keys`, then the database passwords. */
export function composeDotenv(file: string): Record<string, string> {
  const passwords = Object.fromEntries(['POSTGRES', ...SUBGRAPHS.map((name) => `${name.toUpperCase()}_DB`)].map((name) => [`${name}_PASSWORD`, randomBytes(24).toString('hex')]));
  return { ...generateKeys(file), ...passwords };
}

/** compose's interpolation of `${NAME}`, `${NAME:-default}` and `${NAME:?error}` from the .env file. */
export function interpolate(value: string, dotenv: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, arg?: string) => {
    const set = dotenv[name];
    if (set) return set;
    if (kind === '-') return arg ?? '';
    throw new Error(`compose would stop: ${name} is unset (${arg ?? 'no default'})`);
  });
}
