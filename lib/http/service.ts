/** A built service process (a subgraph or a BFF): what runService starts and stops. */
export interface Service {
  /** Listens on `port` (0 picks a free one) at `host`; resolves with the bound port. */
  listen(port: number, host: string): Promise<number>;
  /** Stops accepting, finishes in-flight requests, releases what the service holds. */
  stop(): Promise<void>;
}
