/**
 * `npm start`: provides the databases (embedded unless the three URLs are set), applies the
 * migrations, seeds an empty install, starts the subgraphs and bff-web as separate processes,
 * prints their URLs, and on Ctrl-C (or SIGTERM) stops them all and the database.
 */
import { DEFAULT_PORTS, envInt, portVariable, SUBGRAPHS } from '../lib/config';
import { databaseEnv, migrateAll, provideDatabases, type Databases } from '../lib/databases';
import { subgraphUrlVariable } from '../lib/gateway';
import { createLogger } from '../lib/logger';
import { startService, waitUntilReady, type RunningService, type ServiceName } from '../lib/processes';
import { isEmpty, seedAll } from '../lib/seed';

const logger = createLogger('start');
const running: RunningService[] = [];
let databases: Databases | undefined;
let stopping = false;

function port(name: ServiceName): number {
  return envInt(portVariable(name), DEFAULT_PORTS[name], { max: 65535 });
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  logger.info('stopping all services');
  await Promise.all(running.map((service) => service.stop()));
  await databases?.stop();
  logger.info('stopped');
  process.exit(code);
}

async function main() {
  process.once('SIGINT', () => void shutdown(0));
  process.once('SIGTERM', () => void shutdown(0));

  databases = await provideDatabases(logger);
  await migrateAll(databases.urls);
  logger.info('migrations applied');
  if (await isEmpty(databases.urls)) {
    const plan = await seedAll(databases.urls);
    logger.info({ users: plan.users.length, posts: plan.posts.length, media: plan.media.length }, 'seeded an empty install with demo data');
  }

  const forward = (line: string) => process.stdout.write(`${line}\n`);
  const subgraphs = await Promise.all(
    SUBGRAPHS.map((name) =>
      startService(name, { env: { ...databaseEnv(databases!.urls), [portVariable(name)]: String(port(name)) }, onLine: forward }),
    ),
  );
  running.push(...subgraphs);
  const gatewayEnv = Object.fromEntries(subgraphs.map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`]));
  const bffWeb = await startService('bff-web', { env: { ...gatewayEnv, [portVariable('bff-web')]: String(port('bff-web')) }, onLine: forward });
  running.push(bffWeb);
  await Promise.all(running.map((service) => waitUntilReady(service.origin)));

  for (const service of running) {
    service.exited.then((code) => {
      if (stopping) return;
      logger.error({ service: service.name, code }, 'a service exited; stopping the rest');
      void shutdown(1);
    });
  }
  const lines = [
    '',
    'The federated graph is running:',
    `  bff-web   ${bffWeb.origin}/graphql   (Apollo Sandbox: open it in a browser)`,
    ...subgraphs.map((s) => `  ${s.name.padEnd(9)} ${s.origin}/graphql`),
    databases.embedded ? `  database  embedded PostgreSQL, ${databases.urls.users.replace(/\/\/[^@]*@/, '//').replace(/\/users$/, '')}` : '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(lines.filter((l) => l !== '').join('\n') + '\n');
}

main().catch(async (error) => {
  logger.fatal({ err: error }, 'start failed');
  await shutdown(1);
});
