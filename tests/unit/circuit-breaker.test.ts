import { createLogger } from '../../lib/telemetry/logger';
import { CircuitBreaker, SubgraphCallError } from '../../lib/resilience/breaker';

const logger = createLogger('test');
logger.level = 'silent';

// cockatiel's breaker reads Date.now(): the clock is jest's.
beforeEach(() => jest.useFakeTimers({ now: 0, doNotFake: ['nextTick', 'queueMicrotask', 'setImmediate'] }));
afterEach(() => jest.useRealTimers());

const breaker = () => new CircuitBreaker('media', { timeoutMs: 100, failureThreshold: 3, resetMs: 1000 }, logger);
const fail = (b: CircuitBreaker) => b.call(() => Promise.reject(new SubgraphCallError('SUBGRAPH_TIMEOUT', 'x'))).catch(() => undefined);
const succeed = (b: CircuitBreaker) => b.call(() => Promise.resolve('ok'));
/** Whether a call is refused at once (SUBGRAPH_UNAVAILABLE, the call not made). */
async function refused(b: CircuitBreaker, call: () => Promise<unknown> = () => Promise.resolve('ok')) {
  let made = false;
  try {
    await b.call(() => ((made = true), call()));
    return false;
  } catch (error) {
    return !made && error instanceof SubgraphCallError && error.code === 'SUBGRAPH_UNAVAILABLE';
  }
}

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive failures, and a success in between resets the count', async () => {
    const b = breaker();
    await fail(b);
    await fail(b);
    await succeed(b);
    await fail(b);
    await fail(b);
    expect(b.current).toBe('closed');
    await fail(b);
    expect(b.current).toBe('open');
    expect(await refused(b)).toBe(true);
  });

  it('does not count an error that is no failed call (a 4xx answer)', async () => {
    const b = breaker();
    for (let i = 0; i < 5; i++) await b.call(() => Promise.reject(new Error('HTTP 400'))).catch(() => undefined);
    expect(b.current).toBe('closed');
  });

  it('lets exactly one probe through after the reset time; its success closes, its failure reopens', async () => {
    const b = breaker();
    for (let i = 0; i < 3; i++) await fail(b);
    jest.setSystemTime(999);
    expect(await refused(b)).toBe(true);
    jest.setSystemTime(1000);
    let answer!: (value: string) => void;
    const probe = b.call(() => new Promise<string>((resolve) => (answer = resolve)));
    expect(b.current).toBe('half-open');
    expect(await refused(b)).toBe(true); // nobody else while it is out, and nobody waits for it
    answer('still down? no: it answers');
    await probe;
    expect(b.current).toBe('closed');

    for (let i = 0; i < 3; i++) await fail(b);
    jest.setSystemTime(2000);
    await fail(b); // the probe fails
    expect(b.current).toBe('open');
    jest.setSystemTime(2999);
    expect(await refused(b)).toBe(true);
    jest.setSystemTime(3000);
    expect(await refused(b)).toBe(false);
    expect(b.current).toBe('closed');
  });
});
