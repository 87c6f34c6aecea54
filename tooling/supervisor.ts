import { envInt } from '../lib/config/env';
import type { Logger } from '../lib/telemetry/logger';

/** How a supervised process ended. */
export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A running process the supervisor watches: it only needs to know when it ends. */
export interface Supervised {
  ended: Promise<ExitInfo>;
}

/**
 * When to restart: after `initialDelayMs`, doubling per crash in a row up to `maxDelayMs`; the
 * count of crashes in a row is reset once a process has stayed up `stableMs`. A process that
 * crashes `maxCrashes` times within `crashWindowMs` is given up on.
 */
export interface RestartPolicy {
  initialDelayMs: number;
  maxDelayMs: number;
  stableMs: number;
  maxCrashes: number;
  crashWindowMs: number;
}

/** The restart policy from `RESTART_*` (README, Configuration). */
export function restartPolicyFromEnv(): RestartPolicy {
  return {
    initialDelayMs: envInt('RESTART_INITIAL_DELAY_MS', 250, { min: 1, max: 600_000 }),
    maxDelayMs: envInt('RESTART_MAX_DELAY_MS', 5_000, { min: 1, max: 600_000 }),
    stableMs: envInt('RESTART_STABLE_MS', 30_000, { min: 1 }),
    maxCrashes: envInt('RESTART_MAX_CRASHES', 5, { min: 1, max: 1_000 }),
    crashWindowMs: envInt('RESTART_CRASH_WINDOW_MS', 60_000, { min: 1 }),
  };
}

/** The delay before the restart that follows the `inARow`-th crash in a row (1-based). */
export function restartDelay(policy: RestartPolicy, inARow: number): number {
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.max(0, inARow - 1));
}

export type SupervisedState = 'running' | 'restarting' | 'given-up';

interface Entry {
  name: string;
  state: SupervisedState;
  startedAt: number;
  inARow: number;
  crashes: number[];
  timer?: NodeJS.Timeout;
  options: SuperviseOptions;
  /** A restart asked for (`restartNow`): the next exit is expected, and this is told when the new process runs. */
  planned?: () => void;
  /** The restart under way, if one is. */
  starting?: Promise<void>;
}

export interface SuperviseOptions {
  /** Starts the process again (same port, same environment); rejects when it cannot start. */
  restart: () => Promise<Supervised>;
  /** Resolves once a restarted process serves again (e.g. its /ready); only logged. */
  ready?: (running: Supervised) => Promise<void>;
}

/**
 * Keeps processes running: one that ends while the supervisor runs is logged (which, how it
 * ended, when it restarts) and started again with backoff, and one that keeps crashing is given
 * up on with a message that names it, while the others go on. `stop()` first, at shutdown, so
 * that processes ending then are not restarted.
 */
export class Supervisor {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;

  constructor(
    private readonly logger: Logger,
    private readonly policy: RestartPolicy = restartPolicyFromEnv(),
    private readonly now: () => number = Date.now,
  ) {}

  /** Watches `first`, already running, and every process `restart` gives for it later. */
  watch(name: string, first: Supervised, options: SuperviseOptions): void {
    const entry: Entry = { name, state: 'running', startedAt: this.now(), inARow: 0, crashes: [], options };
    this.entries.set(name, entry);
    this.follow(entry, first);
  }

  /**
   * Restarts `name` at once for `reason`, which is no crash (its code changed: `npm run dev`):
   * `stop` ends the running process, and the restart that follows waits for no backoff and
   * counts no crash. One waiting to restart, or given up on, is started now. Resolves once the
   * new process has started, or failed to (a failure is then a crash like any other).
   */
  async restartNow(name: string, stop: () => Promise<unknown>, reason: string): Promise<void> {
    const entry = this.entries.get(name);
    if (!entry || this.stopped) return;
    await entry.starting;
    entry.inARow = 0;
    entry.crashes = [];
    this.logger.info({ process: name, reason }, `restarting ${name}: ${reason}`);
    if (entry.state === 'running') {
      const restarted = new Promise<void>((resolve) => (entry.planned = resolve));
      await stop();
      await restarted;
      return;
    }
    clearTimeout(entry.timer);
    await this.restart(entry);
  }

  /** No restart from now on; pending ones are cancelled. */
  stop(): void {
    this.stopped = true;
    for (const entry of this.entries.values()) {
      clearTimeout(entry.timer);
      // A restartNow waiting for its restart gives up waiting: there will be none.
      entry.planned?.();
      entry.planned = undefined;
    }
  }

  state(name: string): SupervisedState | undefined {
    return this.entries.get(name)?.state;
  }

  private follow(entry: Entry, running: Supervised) {
    running.ended.then((exit) => {
      if (this.stopped) return;
      const planned = entry.planned;
      entry.planned = undefined;
      if (planned) void this.restart(entry).then(planned);
      else this.crashed(entry, `exited with ${describeExit(exit)}`);
    });
  }

  private crashed(entry: Entry, how: string) {
    const at = this.now();
    if (at - entry.startedAt >= this.policy.stableMs) entry.inARow = 0;
    entry.inARow += 1;
    entry.crashes = [...entry.crashes.filter((t) => at - t < this.policy.crashWindowMs), at];
    if (entry.crashes.length >= this.policy.maxCrashes) {
      entry.state = 'given-up';
      this.logger.error(
        { process: entry.name, crashes: entry.crashes.length, windowMs: this.policy.crashWindowMs },
        `${entry.name} ${how}; it crashed ${entry.crashes.length} times within ${this.policy.crashWindowMs / 1000} s, so it is given up on and not restarted. The other services keep running; fix the cause, then restart npm start`,
      );
      return;
    }
    const delay = restartDelay(this.policy, entry.inARow);
    entry.state = 'restarting';
    this.logger.error({ process: entry.name, restartInMs: delay, crashes: entry.crashes.length }, `${entry.name} ${how}; restarting it in ${delay} ms`);
    entry.timer = setTimeout(() => void this.restart(entry), delay);
  }

  private restart(entry: Entry): Promise<void> {
    entry.starting = this.startAgain(entry).finally(() => (entry.starting = undefined));
    return entry.starting;
  }

  private async startAgain(entry: Entry) {
    if (this.stopped) return;
    const { options } = entry;
    const began = this.now();
    let running: Supervised;
    try {
      running = await options.restart();
    } catch (error) {
      if (this.stopped) return;
      this.crashed(entry, `could not be restarted (${firstLine(error)})`);
      return;
    }
    if (this.stopped) return;
    entry.state = 'running';
    entry.startedAt = this.now();
    this.logger.info({ process: entry.name, startMs: entry.startedAt - began }, `${entry.name} restarted`);
    this.follow(entry, running);
    options.ready?.(running).then(
      () => {
        if (!this.stopped && entry.state === 'running') this.logger.info({ process: entry.name, sinceRestartMs: this.now() - entry.startedAt }, `${entry.name} is ready again`);
      },
      () => undefined,
    );
  }
}

export function describeExit({ code, signal }: ExitInfo): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0].slice(0, 200);
}
