import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { databaseUrlVariable, SUBGRAPHS } from '../lib/config/env';
import { migrateAll, provideDatabases, type DatabaseUrls } from './databases';
import { generatePrivateJwk } from '../lib/identity/keys';
import { launchGraph, type Launched } from './launch';
import type { Logger } from '../lib/telemetry/logger';
import { stopChild } from './processes';
import { seedAll } from './seed';
import type { SeedPlan, SeedSize } from './seed-plan';

/** A port that was free on loopback a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface ScratchGraph extends Launched {
  urls: DatabaseUrls;
  plan: SeedPlan;
  gatewayKey: string;
  /** Records a process the caller starts beside the graph, so it is stopped with it. */
  adopt(child: ChildProcess): void;
}

/**
 * A whole graph for a script that measures it (load test, benchmark), thrown away afterwards:
 * an embedded PostgreSQL in a temporary folder on a free port (never the databases the env
 * names, since it seeds), seeded with `size`, every service on a free loopback port logging at
 * warn, BFFs with `bffEnv` and subgraphs with `subgraphEnv`, each given `startTimeoutMs` to start. Everything is stopped and deleted when `work` ends, whatever happens.
 */
export async function withScratchGraph<T>(
  logger: Logger,
  options: { size: SeedSize; bffEnv?: Record<string, string>; subgraphEnv?: Record<string, string>; startTimeoutMs?: number },
  work: (graph: ScratchGraph) => Promise<T>,
): Promise<T> {
  for (const name of SUBGRAPHS) delete process.env[databaseUrlVariable(name)];
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'fg-scratch-'));
  process.env.DATA_DIR = dataDir;
  process.env.EMBEDDED_POSTGRES_PORT = String(await freePort());
  const children: ChildProcess[] = [];
  const databases = await provideDatabases(logger);
  try {
    await migrateAll(databases.urls);
    const started = Date.now();
    const plan = await seedAll(databases.urls, options.size);
    logger.info({ users: plan.users.length, posts: plan.posts.length, media: plan.media.length, ms: Date.now() - started }, 'seeded');
    const gatewayKey = JSON.stringify(await generatePrivateJwk());
    const serviceKeys = { media: JSON.stringify(await generatePrivateJwk()), posts: JSON.stringify(await generatePrivateJwk()) };
    const graph = await launchGraph({
      urls: databases.urls,
      gatewayKey,
      serviceKeys,
      portOf: () => 0,
      subgraphEnv: { AUTH_SIGNING_KEY: JSON.stringify(await generatePrivateJwk()), LOG_LEVEL: 'warn', ...options.subgraphEnv },
      bffEnv: { LOG_LEVEL: 'warn', ...options.bffEnv },
      onSpawn: (child) => children.push(child),
      startTimeoutMs: options.startTimeoutMs,
    });
    return await work(Object.assign(graph, { urls: databases.urls, plan, gatewayKey, adopt: (child: ChildProcess) => children.push(child) }));
  } finally {
    await Promise.all(children.map((child) => stopChild(child)));
    await databases.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
