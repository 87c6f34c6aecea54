import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICE_ENTRIES, type ServiceName } from './processes';

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
