import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SUBGRAPHS, type SubgraphName } from '../../lib/config/env';
import { NATS_CONFIG, startNats, type TestNats } from '../../tooling/nats-server';
import { generateKeys } from './deployment';

export { startNats, type TestNats } from '../../tooling/nats-server';

export interface ServiceNats extends TestNats {
  /** A subgraph's NATS_URL: its own user of deploy/nats/nats-server.conf, with the password `npm run keys` wrote. */
  urlOf(service: SubgraphName): string;
  /** An operator's: a user the test adds to the configuration, with every permission (to delete a consumer, say). */
  operatorUrl: string;
}

/**
 * A NATS server of the suite's own (as startNats) run with the deployment's configuration, its users'
 * passwords from `npm run keys`, and one more user for the test itself.
 */
export async function startServiceNats(): Promise<ServiceNats> {
  const dir = mkdtempSync(path.join(tmpdir(), 'fg-nats-config-'));
  try {
    const keys = generateKeys(path.join(dir, '.env'));
    const passwords = Object.fromEntries(SUBGRAPHS.map((name) => [`${name.toUpperCase()}_NATS_PASSWORD`, keys[`${name.toUpperCase()}_NATS_PASSWORD`]]));
    const operator = `op${randomBytes(16).toString('hex')}`;
    const config = path.join(dir, 'nats-server.conf');
    const deployed = readFileSync(NATS_CONFIG, 'utf8');
    if (!deployed.includes('users: [')) throw new Error('deploy/nats/nats-server.conf has no users list');
    writeFileSync(config, deployed.replace('users: [', `users: [\n    { user: operator, password: "${operator}" }`));
    // The server reads its configuration once, at start (and at each restart): the file stays until destroy.
    const nats = await startNats({ config, env: passwords });
    const withUser = (user: string, password: string) => nats.url.replace('nats://', `nats://${user}:${password}@`);
    return {
      ...nats,
      urlOf: (service) => withUser(service, passwords[`${service.toUpperCase()}_NATS_PASSWORD`]),
      operatorUrl: withUser('operator', operator),
      async destroy() {
        await nats.destroy();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
