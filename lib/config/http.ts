import { envBool, envMs } from './env';

/** Deadlines of an HTTP server (lib/http/server.ts createHttpServer), against slowloris. */
export interface HttpTimeouts {
  /** A request's headers must arrive within this. `HTTP_HEADERS_TIMEOUT_MS`, @default 10000 */
  headersTimeoutMs: number;
  /** The whole request, body included, within this. `HTTP_REQUEST_TIMEOUT_MS`, @default 300000 */
  requestTimeoutMs: number;
}

export function httpTimeoutsConfig(): HttpTimeouts {
  return {
    headersTimeoutMs: envMs('HTTP_HEADERS_TIMEOUT_MS', 10_000, { min: 1_000 }),
    requestTimeoutMs: envMs('HTTP_REQUEST_TIMEOUT_MS', 300_000, { min: 1_000 }),
  };
}

/**
 * One TLS-terminating proxy stands in front: its `X-Forwarded-For` last entry is the client's
 * address and `X-Forwarded-Proto: https` counts as TLS. `TRUST_PROXY`, @default false
 */
export function trustProxyConfig(): boolean {
  return envBool('TRUST_PROXY', false);
}
