/**
 * The container's health check (Dockerfile HEALTHCHECK, compose.yaml): GET `/health`, or the path
 * given (`/ready`), on the service this container runs (`SERVICE`), at the port and address its
 * config reads. Exits 0 on a 200 within 3 s, else 1. `node --import tsx tooling/healthcheck.ts [/ready]`
 */
import { listenConfig, loadConfigOrExit } from '../lib/config/env';
import { containerService } from './service';

const WILDCARDS = new Set(['0.0.0.0', '::', '']);

const { port, host } = loadConfigOrExit('healthcheck', () => listenConfig(containerService()));
const probePath = process.argv[2] ?? '/health';
// A service listening on every address answers on loopback; a specific address must be asked there.
const address = WILDCARDS.has(host) ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;

fetch(`http://${address}:${port}${probePath}`, { signal: AbortSignal.timeout(3_000) }).then(
  (response) => process.exit(response.status === 200 ? 0 : 1),
  () => process.exit(1),
);
