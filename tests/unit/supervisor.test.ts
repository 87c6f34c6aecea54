import pino from 'pino';
import { restartDelay, Supervisor, type ExitInfo, type RestartPolicy, type Supervised } from '../../tooling/supervisor';

/**
 * The restart policy on its own, on jest's fake clock: backoff, the reset after a stable run,
 * giving up, and nothing restarted after stop(). The real processes are supervision.e2e's.
 */
const POLICY: RestartPolicy = { initialDelayMs: 250, maxDelayMs: 5_000, stableMs: 30_000, maxCrashes: 5, crashWindowMs: 60_000 };

function fakeProcess() {
  let end!: (exit: ExitInfo) => void;
  const ended = new Promise<ExitInfo>((resolve) => (end = resolve));
  return { process: { ended } as Supervised, crash: () => end({ code: null, signal: 'SIGKILL' }) };
}

function harness(policy = POLICY) {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const supervisor = new Supervisor(logger, policy, () => Date.now());
  const processes: ReturnType<typeof fakeProcess>[] = [];
  const restartsAt: number[] = [];
  let failNext = 0;
  const first = fakeProcess();
  processes.push(first);
  supervisor.watch('media', first.process, {
    restart: async () => {
      restartsAt.push(Date.now());
      if (failNext > 0) {
        failNext--;
        throw new Error('media exited with code 1 before listening\nthe rest of its output');
      }
      const next = fakeProcess();
      processes.push(next);
      return next.process;
    },
  });
  return { supervisor, lines, processes, restartsAt, latest: () => processes[processes.length - 1], failRestarts: (n: number) => (failNext = n) };
}

beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
afterEach(() => jest.useRealTimers());

it('doubles the delay from 250 ms up to 5 s', () => {
  expect([1, 2, 3, 4, 5, 6, 7].map((n) => restartDelay(POLICY, n))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
});

it('restarts a crashed process after the delay, with backoff, and logs one line per crash', async () => {
  const h = harness();
  const killedAt = Date.now();
  h.latest().crash();
  await jest.advanceTimersByTimeAsync(249);
  expect(h.restartsAt).toEqual([]);
  expect(h.supervisor.state('media')).toBe('restarting');
  await jest.advanceTimersByTimeAsync(1);
  expect(h.restartsAt).toEqual([killedAt + 250]);
  expect(h.supervisor.state('media')).toBe('running');

  h.latest().crash();
  const second = Date.now();
  await jest.advanceTimersByTimeAsync(500);
  expect(h.restartsAt[1]).toBe(second + 500);
  expect(h.lines.filter((l) => l.level === 50).map((l) => l.msg)).toEqual([
    'media exited with signal SIGKILL; restarting it in 250 ms',
    'media exited with signal SIGKILL; restarting it in 500 ms',
  ]);
});

it('starts again from the initial delay after a process stayed up long enough', async () => {
  const h = harness();
  h.latest().crash();
  await jest.advanceTimersByTimeAsync(250);
  h.latest().crash();
  await jest.advanceTimersByTimeAsync(500);
  await jest.advanceTimersByTimeAsync(POLICY.stableMs);
  h.latest().crash();
  await jest.advanceTimersByTimeAsync(250);
  expect(h.restartsAt).toHaveLength(3);
  expect(h.lines.at(-2)?.msg).toBe('media exited with signal SIGKILL; restarting it in 250 ms');
});

it('gives up on a process that crashes 5 times within 60 s, failed restarts included, and restarts it no more', async () => {
  const h = harness();
  h.failRestarts(10);
  h.latest().crash();
  await jest.advanceTimersByTimeAsync(60_000);
  // The kill, then four failed restarts: the fifth crash is the last.
  expect(h.restartsAt).toHaveLength(4);
  expect(h.supervisor.state('media')).toBe('given-up');
  const last = h.lines.at(-1)!;
  expect(last.level).toBe(50);
  expect(last.msg).toMatch(/^media could not be restarted \(media exited with code 1 before listening\); it crashed 5 times within 60 s, so it is given up on/);
  await jest.advanceTimersByTimeAsync(120_000);
  expect(h.restartsAt).toHaveLength(4);
});

it('restarts nothing once stopped, even a restart already scheduled', async () => {
  const h = harness();
  h.latest().crash();
  await jest.advanceTimersByTimeAsync(100);
  h.supervisor.stop();
  await jest.advanceTimersByTimeAsync(10_000);
  expect(h.restartsAt).toEqual([]);
});

describe('restartNow (npm run dev, on a code change)', () => {
  it('stops the process and starts it again at once, neither waiting for a backoff nor counting a crash', async () => {
    const h = harness();
    const before = Date.now();
    const stopped = jest.fn(async () => h.latest().crash());
    await h.supervisor.restartNow('media', stopped, 'its code changed');
    expect(stopped).toHaveBeenCalledTimes(1);
    expect(h.restartsAt).toEqual([before]);
    expect(h.supervisor.state('media')).toBe('running');
    expect(h.lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(h.lines.map((l) => l.msg)).toEqual(['restarting media: its code changed', 'media restarted']);
    // Six planned restarts in a row are no crash loop.
    for (let i = 0; i < 6; i++) await h.supervisor.restartNow('media', async () => h.latest().crash(), 'its code changed');
    expect(h.supervisor.state('media')).toBe('running');
  });

  it('starts a process given up on again, once its code changes', async () => {
    const h = harness();
    h.failRestarts(4);
    h.latest().crash();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(h.supervisor.state('media')).toBe('given-up');
    const stop = jest.fn(async () => undefined);
    await h.supervisor.restartNow('media', stop, 'its code changed');
    expect(stop).not.toHaveBeenCalled();
    expect(h.supervisor.state('media')).toBe('running');
    expect(h.restartsAt).toHaveLength(5);
  });
});
