import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { watch } from 'chokidar';
import { SUBGRAPHS } from '../lib/config/env';
import { compose, readSupergraphConfig, ROOT, writeSupergraph } from '../lib/graphql/composition';
import type { Logger } from '../lib/telemetry/logger';
import { SERVICE_ENTRIES, type ServiceName } from './processes';

const BFFS: ServiceName[] = ['bff-web', 'bff-mobile'];
const ALL = Object.keys(SERVICE_ENTRIES) as ServiceName[];

/** The services whose code includes `file` (relative to the repository): those a change to it restarts. */
export function servicesFor(file: string): ServiceName[] {
  const [top, second] = file.split(/[\\/]/);
  if (top === 'lib') return ALL;
  if (top === 'bff') return BFFS;
  if (top === 'bff-web' || top === 'bff-mobile') return [top];
  // subgraphs/codegen.yml is no service's code: \`npm run codegen\` writes into the subgraphs' folders.
  if (top === 'subgraphs') return (SUBGRAPHS as readonly string[]).includes(second) ? [second as ServiceName] : [];
  return [];
}

export type Recomposed = { ok: true; changed: boolean } | { ok: false; errors: string[] };

/** Composes `config` into `supergraphFile`, replaced in one step when it changed; on failure the file is left alone. */
export function recompose(config: string, supergraphFile: string): Recomposed {
  let result: ReturnType<typeof compose>;
  try {
    result = compose(readSupergraphConfig(config));
  } catch (error) {
    // A schema file that does not parse, or a config that does not read.
    return { ok: false, errors: [(error as Error).message] };
  }
  if (!result.ok) return result;
  if (existsSync(supergraphFile) && readFileSync(supergraphFile, 'utf8') === result.supergraphSdl) return { ok: true, changed: false };
  writeSupergraph(result.supergraphSdl, supergraphFile);
  return { ok: true, changed: true };
}

export interface DevLoopOptions {
  /** Restarts one service (stop it, start it again on its port). */
  restart: (service: ServiceName, reason: string) => Promise<void>;
  logger: Logger;
  /** The repository whose code and schemas are watched. @default the project's */
  root?: string;
  /** An editor's save is several events: act once the files have been quiet this long. @default 150 */
  quietMs?: number;
}

export interface DevLoop {
  close(): Promise<void>;
}

/**
 * `npm run dev`, like `rover dev`: a change to a service's code restarts that service (one in
 * lib/ restarts all), and a change to a subgraph's schema or supergraph.yaml recomposes
 * supergraph.graphql, which the BFFs reload without a restart (bff/supergraph-source.ts). A
 * composition error is logged with composition's messages; the BFFs keep the last supergraph
 * that composed, and the loop goes on.
 */
export async function startDevLoop({ restart, logger, root = ROOT, quietMs = 150 }: DevLoopOptions): Promise<DevLoop> {
  const config = path.join(root, 'supergraph.yaml');
  const supergraphFile = path.join(root, 'supergraph.graphql');
  const log = logger.child({ component: 'dev' });
  let work = Promise.resolve();
  let pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;

  const composeNow = (reason: string) => {
    const result = recompose(config, supergraphFile);
    if (!result.ok) log.error({ errors: result.errors }, `composition failed (${reason}); the BFFs keep the last supergraph. ${result.errors.join(' | ')}`);
    else if (result.changed) log.info(`recomposed supergraph.graphql (${reason}); the BFFs reload it`);
  };

  const act = async (files: string[]) => {
    let schemaFiles: string[] = [];
    try {
      schemaFiles = readSupergraphConfig(config).map((s) => path.relative(root, s.schemaFile));
    } catch {
      // composeNow reports a config that does not read.
    }
    const services = new Set(files.flatMap((file) => servicesFor(file)));
    // Subgraphs first: when the BFFs reload a new supergraph, its fields are already served.
    await Promise.all(
      [...services].map((service) =>
        restart(service, `${files.find((f) => servicesFor(f).includes(service))} changed`).catch((error) =>
          log.error({ service, reason: (error as Error).message.split('\n')[0] }, `${service} could not be restarted`),
        ),
      ),
    );
    const schemaChange = files.find((file) => file === 'supergraph.yaml' || schemaFiles.includes(file));
    if (schemaChange) composeNow(`${schemaChange} changed`);
  };

  const changed = (file: string) => {
    pending.add(path.relative(root, file));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const files = [...pending];
      pending = new Set();
      work = work.then(() => act(files));
    }, quietMs);
  };

  // A supergraph.graphql made while nothing watched is brought up to date first.
  composeNow('start');
  const watcher = watch(
    // Paths that exist only: chokidar is ready before it has looked into a missing one's parent.
    ['lib', 'bff', 'bff-web', 'bff-mobile', 'subgraphs', 'supergraph.yaml'].map((p) => path.join(root, p)).filter((p) => existsSync(p)),
    {
      ignoreInitial: true,
      ignored: (file, stats) => /[\\/](node_modules|dist)([\\/]|$)/.test(file) || (!!stats?.isFile() && !/\.(ts|graphql|ya?ml|json)$/.test(file)),
    },
  );
  watcher.on('add', changed).on('change', changed).on('unlink', changed);
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  log.info('watching code and schemas: a service restarts when its code changes, the supergraph is recomposed when a schema does');
  return {
    async close() {
      clearTimeout(timer);
      await watcher.close();
      await work;
    },
  };
}
