import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const TICKS_PER_SECOND = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** /proc/<pid>/stat's fields after the command name (fields[0] is the state, field 3 of the man page). */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(') ') + 2).split(' ');
}

/** CPU time (user + system) a process has used so far, in ms, from /proc. */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  const fields = statFields(pid);
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** Resident memory of a process now, in MB (VmRSS). */
export function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/** The live children of `pid` (one scan of /proc). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (Number(statFields(Number(entry))[1]) === pid) children.push(Number(entry));
    } catch {
      // gone since readdir
    }
  }
  return children;
}

/** The postmaster of the PostgreSQL whose data directory lies somewhere under `root` (its postmaster.pid). */
export function postmasterUnder(root: string): number | undefined {
  const queue = [root];
  for (let depth = 0; queue.length > 0 && depth < 500; depth++) {
    const dir = queue.shift()!;
    const file = path.join(dir, 'postmaster.pid');
    if (existsSync(file)) return Number(readFileSync(file, 'utf8').split('\n')[0]);
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) queue.push(path.join(dir, entry.name));
  }
  return undefined;
}

/**
 * CPU time of a whole PostgreSQL server so far, in ms: the postmaster, its live backends and
 * workers, and (through the postmaster's cutime/cstime) the children that have exited.
 */
export function postgresCpuMs(postmaster: number | undefined): number {
  if (!postmaster) return NaN;
  const own = statFields(postmaster);
  let ticks = Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14]);
  for (const child of childrenOf(postmaster)) {
    try {
      const fields = statFields(child);
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // exited between the scan and the read; its time is in the postmaster's cutime by now
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}

/**
 * Memory of a whole PostgreSQL server now, in MB: the sum of the proportional set sizes (Pss) of the
 * postmaster and its children, so the shared buffers every backend maps are counted once.
 */
export function postgresMemoryMb(postmaster: number | undefined): number {
  if (!postmaster) return NaN;
  let kb = 0;
  for (const pid of [postmaster, ...childrenOf(postmaster)]) {
    try {
      kb += Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // exited
    }
  }
  return kb / 1024;
}
