import { createLogger } from '../../lib/telemetry/logger';
import { CircuitBreaker, SubgraphCallError } from '../../lib/resilience/fetch';

const logger = createLogger('test');
logger.level = 'silent';

function breaker() {
  const clock = { now: 0 };
  const b = new CircuitBreaker('media', { timeoutMs: 100, failureThreshold: 3, resetMs: 1000 }, logger, () => clock.now);
  return { b, clock };
}
const refused = (b: CircuitBreaker) => {
  try {
    b.before();
    return false;
  } catch (error) {
    return error instanceof SubgraphCallError && error.code === 'SUBGRAPH_UNAVAILABLE';
  }
};

describe('circuit breaker', () => {
  it('opens after the threshold of consecutive failures, and a success in between resets the count', () => {
    const { b } = breaker();
    b.failure('x');
    b.failure('x');
    b.success();
    b.failure('x');
    b.failure('x');
    expect(b.current).toBe('closed');
    b.failure('x');
    expect(b.current).toBe('open');
    expect(refused(b)).toBe(true);
  });

  it('lets exactly one probe through after the reset time; its success closes, its failure reopens', () => {
    const { b, clock } = breaker();
    for (let i = 0; i < 3; i++) b.failure('x');
    clock.now = 999;
    expect(refused(b)).toBe(true);
    clock.now = 1000;
    expect(refused(b)).toBe(false); // the probe
    expect(refused(b)).toBe(true); // nobody else while it is out
    b.failure('still down');
    expect(b.current).toBe('open');
    clock.now = 1999;
    expect(refused(b)).toBe(true);
    clock.now = 2000;
    expect(refused(b)).toBe(false);
    b.success();
    expect(b.current).toBe('closed');
    expect(refused(b)).toBe(false);
  });
});
