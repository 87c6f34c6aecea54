/**
 * `npm run keys -- <file>`: writes a new set of the keys and secrets production requires into an env
 * file (mode 0600) that compose (`.env`) and the production overlay
 * (`deploy/k8s/overlays/production/secrets.env`) read. Both paths are gitignored; the file is a secret.
 * It never overwrites a file: replacing keys is a rotation (README, Identity), not a re-run.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { gatewayKeyEnv, generatePrivateJwk, serviceKeyEnv } from '../lib/identity/keys';

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/**
 * A subgraph's NATS password (about 228 bits): letters only, as it goes unencoded into NATS_URL and
 * nats-server reads it from the environment as a config value (where digits first would make a number).
 */
function natsPassword(): string {
  return Array.from({ length: 40 }, () => LETTERS[randomInt(LETTERS.length)]).join('');
}

async function productionKeys(): Promise<Record<string, string>> {
  const gateway = gatewayKeyEnv(JSON.stringify(await generatePrivateJwk()));
  // media's own key (its calls to posts, its reads of event feeds) and posts' (its reads of users'
  // feed without NATS_URL): neither can sign for a user.
  const media = serviceKeyEnv('media', JSON.stringify(await generatePrivateJwk()));
  const posts = serviceKeyEnv('posts', JSON.stringify(await generatePrivateJwk()));
  return {
    AUTH_SIGNING_KEY: JSON.stringify(await generatePrivateJwk()),
    ...gateway.bff,
    ...gateway.subgraph,
    ...media.own,
    ...media.callees,
    ...posts.own,
    ...posts.callees,
    CURSOR_SECRET: randomBytes(32).toString('base64url'),
    // Each subgraph's NATS user (deploy/nats/nats-server.conf): its own stream and consumers only.
    USERS_NATS_PASSWORD: natsPassword(),
    POSTS_NATS_PASSWORD: natsPassword(),
    MEDIA_NATS_PASSWORD: natsPassword(),
  };
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: npm run keys -- <file>   (.env for compose, deploy/k8s/overlays/production/secrets.env)');
    process.exit(2);
  }
  const keys = await productionKeys();
  // One line per variable, unquoted: compose's .env and kustomize's secretGenerator read the same file,
  // and the JSON values hold no `$`, `#` or space that either would interpret.
  const lines = Object.entries(keys).map(([name, value]) => `${name}=${value}`);
  try {
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    console.error(`${file} exists: keys are not replaced by a re-run (see README, Key rotation)`);
    process.exit(1);
  }
  console.log(`wrote ${Object.keys(keys).join(', ')} to ${file}`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
