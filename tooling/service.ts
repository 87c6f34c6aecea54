/**
 * What a container runs (Dockerfile): the one service named by `SERVICE` (bff-web, bff-mobile,
 * users, posts or media), baked into each image at build time. `node --import tsx tooling/service.ts`
 */
import path from 'node:path';
import { ConfigError, DEFAULT_PORTS, envString, loadConfigOrExit } from '../lib/config/env';

type ServiceName = keyof typeof DEFAULT_PORTS;

/** `SERVICE`, required: the service this container runs. */
export function containerService(): ServiceName {
  const name = envString('SERVICE');
  if (name && Object.hasOwn(DEFAULT_PORTS, name)) return name as ServiceName;
  throw new ConfigError(`SERVICE must be one of ${Object.keys(DEFAULT_PORTS).join(', ')}; got "${name ?? ''}"`);
}

async function main() {
  const service = loadConfigOrExit('service', containerService);
  // Loaded here, not above: the health check imports containerService and must stay light.
  const { SERVICE_ENTRIES } = await import('./processes');
  // The entry module runs the service when loaded, exactly as under npm start.
  await import(path.join(__dirname, '..', SERVICE_ENTRIES[service]));
}

if (require.main === module) void main();
