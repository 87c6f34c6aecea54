import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SUBGRAPHS } from '../lib/config/env';
import { SERVICE_ENTRIES, type ServiceName } from './processes';
import { freePort } from './scratch-graph';

/**
 * Finding the processes of a running `npm start` from outside, as an operator would, for the
 * kill drill and the supervision tests (Linux: /proc).
 */

/** The direct children of `pid`. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/** The pid of `service` among the children of the start process `startPid`, if it runs. */
export function servicePid(startPid: number, service: ServiceName): number | undefined {
  const entry = path.normalize(SERVICE_ENTRIES[service]);
  return childPids(startPid).find((pid) => commandLine(pid).includes(entry));
}

/** The pid of the embedded PostgreSQL's postmaster, from its lock file under `<DATA_DIR>/postgres`. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The ports of one `npm start`: each service's and the embedded PostgreSQL's. */
export interface StartPorts {
  web: number;
  mobile: number;
  users: number;
  posts: number;
  media: number;
  pg: number;
}

/** Ports that were free on loopback a moment ago, one for each. */
export async function freeStartPorts(): Promise<StartPorts> {
  return { web: await freePort(), mobile: await freePort(), users: await freePort(), posts: await freePort(), media: await freePort(), pg: await freePort() };
}

/**
 * The environment of an `npm start` on `ports` with the embedded database under `dataDir`, in
 * development: the database URLs of the caller's environment are left out, so it never seeds them.
 */
export function startEnv(ports: StartPorts, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    BFF_WEB_PORT: String(ports.web),
    BFF_MOBILE_PORT: String(ports.mobile),
    USERS_PORT: String(ports.users),
    POSTS_PORT: String(ports.posts),
    MEDIA_PORT: String(ports.media),
  };
  for (const name of SUBGRAPHS) delete env[`${name.toUpperCase()}_DATABASE_URL`];
  return env;
}

/** True while any process of the process group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
