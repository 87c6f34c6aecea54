/**
 * `npm start`: provides the databases (embedded unless the three URLs are set), applies the
 * migrations, seeds an empty install, starts the subgraphs and both BFFs as separate processes,
 * prints their URLs, supervises them, and on Ctrl-C (or SIGTERM) stops them all and the database.
 *
 * Supervision (tooling/supervisor.ts): once everything has been ready, a service (or the embedded
 * PostgreSQL) that dies is restarted with backoff on its port with its environment, while the
 * others keep serving; one that keeps crashing is given up on. A service that fails on its very
 * first start stops everything instead: that is a configuration problem (a port taken, a bad
 * variable) that restarting cannot fix, and a half-started graph would hide it.
 *
 * `npm run dev` (`--dev`) adds tooling/dev-loop.ts: a service restarts when its code changes, and a
 * subgraph schema change recomposes supergraph.graphql, which the BFFs reload as they run.
 */
import type { ChildProcess } from 'node:child_process';
import { DEFAULT_PORTS, envInt, portVariable } from '../lib/config/env';
import { migrateAll, provideDatabases, type Databases } from '../tooling/databases';
import { loadPrivateJwk } from '../lib/identity/keys';
import { keySource } from '../lib/config/keys';
import { launchGraph } from '../tooling/launch';
import { createLogger } from '../lib/telemetry/logger';
import { consoleLine } from '../lib/telemetry/log-format';
import { logFormat } from '../lib/config/logging';
import { GATEWAY_SIGNING_KEY, serviceKeySource } from '../lib/config/keys';
import { stopChild, waitUntilReady, type RunningService, type ServiceName } from '../tooling/processes';
import { Supervisor } from '../tooling/supervisor';
import { startDevLoop, type DevLoop } from '../tooling/dev-loop';
import { webDist } from '../bff-web/config';
import { ensureWebBuilt } from '../tooling/web-build';
import { isEmpty, seedAll } from '../tooling/seed';
import { DEMO_PASSWORD } from '../tooling/seed-plan';

/** Readable lines on a terminal, JSON otherwise (LOG_FORMAT); the services always write JSON. */
const show = consoleLine(logFormat(process.stdout.isTTY === true));
const logger = createLogger('start', 'info', { write: (line: string) => process.stdout.write(show(line.trimEnd())) });
/** Every child, recorded when spawned: whatever happens, shutdown can stop it. */
const children = new Set<ChildProcess>();
let databases: Promise<Databases> | undefined;
let stopping = false;
let devLoop: DevLoop | undefined;
const supervisor = new Supervisor(logger);

function port(name: ServiceName): number {
  return envInt(portVariable(name), DEFAULT_PORTS[name], { max: 65535 });
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  // First, so that nothing stopping from here on is restarted.
  supervisor.stop();
  await devLoop?.close();
  logger.info('stopping all services');
  await Promise.all([...children].map((child) => stopChild(child)));
  // A database still starting is stopped once it is up.
  await databases?.then((d) => d.stop()).catch(() => undefined);
  logger.info('stopped');
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  // The web app bff-web serves at /: built when missing or older than its sources.
  if (ensureWebBuilt(webDist())) logger.info('built the web app (npm run build)');

  databases = provideDatabases(logger);
  const { urls, embedded } = await databases;
  await migrateAll(urls);
  logger.info('migrations applied');
  if (await isEmpty(urls)) {
    const plan = await seedAll(urls, undefined, { files: true });
    logger.info({ users: plan.users.length, posts: plan.posts.length, media: plan.media.length }, 'seeded an empty install with demo data');
  }
  const gatewayKey = (await loadPrivateJwk(keySource(GATEWAY_SIGNING_KEY, 'gateway-signing.jwk.json'))).json;
  const serviceKeys = {
    media: (await loadPrivateJwk(serviceKeySource('media'))).json,
    posts: (await loadPrivateJwk(serviceKeySource('posts'))).json,
  };
  const graph = await launchGraph({
    urls,
    gatewayKey,
    serviceKeys,
    portOf: port,
    onLine: (line) => process.stdout.write(show(line)),
    onSpawn: (child) => {
      if (stopping) child.kill('SIGTERM');
      children.add(child);
      child.once('exit', () => children.delete(child));
    },
  });
  const subgraphs = Object.values(graph.subgraphs);
  const bffs = [graph.web, graph.mobile];
  for (const service of [...subgraphs, ...bffs]) {
    supervisor.watch(service.name, service, {
      restart: () => graph.restart(service.name, { ready: false }),
      ready: (restarted) => waitUntilReady((restarted as RunningService).origin, 60_000),
    });
  }
  const server = (await databases).server;
  if (server) {
    supervisor.watch('postgres', server.current(), { restart: () => server.restart() });
  }
  if (process.argv.includes('--dev')) {
    devLoop = await startDevLoop({
      logger,
      restart: (name, reason) => supervisor.restartNow(name, () => graph.service(name).stop(), reason),
    });
  }
  const [web, mobile] = bffs;
  // GraphiQL is served where Sandbox is (not in production): asked rather than worked out from the env.
  const graphiql = (await fetch(`${web.origin}/graphiql`, { method: 'HEAD' }).catch(() => null))?.ok;
  const lines = [
    '',
    'The federated graph is running:',
    `  web app    ${web.origin}/`,
    `  bff-web    ${web.origin}/graphql   (open in a browser for Apollo Sandbox)`,
    `  bff-mobile ${mobile.origin}/graphql`,
    graphiql ? `  GraphiQL   ${web.origin}/graphiql and ${mobile.origin}/graphiql   (offline: Sandbox needs Apollo's CDN)` : '',
    ...subgraphs.map((s) => `  ${s.name.padEnd(10)} ${s.origin}/graphql   (internal: gateways only)`),
    `  mobile app cd mobile && npm ci && EXPO_PUBLIC_BFF_MOBILE_URL=http://<this machine's LAN address>:${mobile.port} npm start`,
    '             then scan the QR code with Expo Go (bff-mobile must listen there: HOST=0.0.0.0); README, "The mobile app"',
    embedded ? `  database   embedded PostgreSQL, ${urls.users.replace(/\/\/[^@]*@/, '//').replace(/\/users$/, '')}` : '',
    `Demo accounts: ada@example.com (admin), grace@example.com, …; password "${DEMO_PASSWORD}".`,
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n');
}

main().catch(async (error) => {
  // Before everything has been ready once, a failure is a configuration problem: stop it all.
  if (!stopping) logger.fatal({ err: error }, 'start failed, stopping everything: a service or the database could not start');
  await shutdown(1);
});
