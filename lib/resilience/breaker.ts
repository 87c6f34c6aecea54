import { BrokenCircuitError, circuitBreaker, CircuitState, ConsecutiveBreaker, handleType, type CircuitBreakerPolicy } from 'cockatiel';
import { GraphQLError } from 'graphql';
import type { Logger } from '../telemetry/logger';
import { observeBreaker } from '../telemetry/metrics';

/**
 * How a BFF calls one subgraph: every call has a timeout, and a circuit breaker stops calling a
 * subgraph that keeps failing, so a request costs milliseconds instead of a timeout while it is
 * down. After `resetMs` one call is let through (half-open): success closes the breaker, failure
 * opens it again. Read from the environment by lib/config/resilience.ts (`resilienceConfig`).
 */
export interface ResilienceSettings {
  /** `<NAME>_SUBGRAPH_TIMEOUT_MS`, else `SUBGRAPH_TIMEOUT_MS`, default 2000. */
  timeoutMs: number;
  /** Consecutive failures that open the breaker (`BREAKER_FAILURE_THRESHOLD`, default 5). */
  failureThreshold: number;
  /** How long it stays open before a probe (`BREAKER_RESET_MS`, default 2000): a probe is one request, recovery lags by at most this. */
  resetMs: number;
}

/** Why a call to a subgraph failed, as a client will see it. */
export type SubgraphFailure = 'SUBGRAPH_UNAVAILABLE' | 'SUBGRAPH_TIMEOUT';

/** A failed call that counts against the breaker: no connection, no answer in time, HTTP 5xx, a body that is not JSON. */
export class SubgraphCallError extends Error {
  constructor(
    readonly code: SubgraphFailure,
    readonly reason: string,
  ) {
    super(reason);
  }
}

const STATES = { [CircuitState.Closed]: 'closed', [CircuitState.Open]: 'open', [CircuitState.HalfOpen]: 'half-open', [CircuitState.Isolated]: 'open' } as const;

/**
 * cockatiel's circuit breaker over consecutive SubgraphCallErrors (any other error, such as a
 * 4xx answer, neither counts nor resets the count, and closes a half-open breaker like a
 * success). One difference from cockatiel's own behaviour is kept on purpose: while the
 * half-open probe is out, cockatiel makes every other call wait for it, which against a hung
 * subgraph is a wait of up to the timeout; here they are refused at once, as while it is open.
 */
export class CircuitBreaker {
  private readonly policy: CircuitBreakerPolicy;

  constructor(
    readonly subgraph: string,
    settings: ResilienceSettings,
    logger: Logger,
  ) {
    this.policy = circuitBreaker(handleType(SubgraphCallError), {
      halfOpenAfter: settings.resetMs,
      breaker: new ConsecutiveBreaker(settings.failureThreshold),
    });
    this.policy.onBreak((cause) => {
      const reason = 'error' in cause ? cause.error.message : undefined;
      logger.warn({ subgraph, reason }, 'circuit opened');
    });
    this.policy.onReset(() => logger.info({ subgraph }, 'circuit closed: the subgraph answers again'));
    observeBreaker(subgraph, () => this.current);
  }

  get current(): 'closed' | 'open' | 'half-open' {
    return STATES[this.policy.state];
  }

  /** Runs `call` unless the breaker is open (or its probe is out): then SUBGRAPH_UNAVAILABLE at once. */
  async call<T>(call: () => Promise<T>): Promise<T> {
    if (this.policy.state === CircuitState.HalfOpen) throw this.refusal();
    try {
      return await this.policy.execute(call);
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw this.refusal();
      throw error;
    }
  }

  private refusal() {
    return new SubgraphCallError('SUBGRAPH_UNAVAILABLE', `circuit open for ${this.subgraph}`);
  }
}

/** The error a client sees for a failed subgraph call: code and subgraph, never the reason. */
export function subgraphError(subgraph: string, code: SubgraphFailure): GraphQLError {
  const message = code === 'SUBGRAPH_TIMEOUT' ? `The ${subgraph} service did not answer in time` : `The ${subgraph} service is unavailable`;
  return new GraphQLError(message, { extensions: { code, serviceName: subgraph } });
}
