import type { BaseContext } from '@apollo/server';
import type { Viewer } from '../lib/identity/assertion';
import type { SessionReport } from '../lib/identity/session-handshake';
import type { Logger } from '../lib/telemetry/logger';

/** What every BFF request carries through the gateway to the subgraphs. */
export interface BffContext extends BaseContext {
  requestId: string;
  log: Logger;
  /** The verified client identity; null when anonymous. */
  viewer: Viewer | null;
  /** What the users subgraph said about the session during this request (sign-in or sign-out). */
  session: SessionReport;
  /** The client's address (bff/rate-limits.ts clientAddress), for per-address limits; users gets it too. */
  clientAddress?: string;
}
