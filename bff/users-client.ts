import { callSubgraph, CLIENT_ADDRESS_HEADER, type Viewer } from '../lib/identity/assertion';
import { readSessionHeaders } from '../lib/identity/session-handshake';

/** What spending a refresh token gave: a new session, a definite end, or no answer (try later). */
export type RefreshOutcome = { kind: 'renewed'; accessToken: string; refreshToken: string } | { kind: 'ended' } | { kind: 'unavailable' };

/**
 * What a BFF asks users about sessions outside any client operation: spending a refresh token
 * for a new session, and revoking one at sign-out.
 */
export interface Sessions {
  refresh(refreshToken: string, clientAddress?: string): Promise<RefreshOutcome>;
  revoke(refreshToken: string): Promise<void>;
}

export interface UsersSessionsOptions {
  /** users' GraphQL endpoint. */
  usersUrl: string;
  /** Signs the assertion a call carries; these calls are anonymous (null). */
  sign: (viewer: Viewer | null) => Promise<string>;
  /** How long users has to answer: its subgraph timeout (`resilience.users.timeoutMs`, lib/config/bff.ts). */
  timeoutMs: number;
}

/** Sessions by direct calls to users, with an anonymous assertion. */
export function usersSessions({ usersUrl, sign, timeoutMs }: UsersSessionsOptions): Sessions {
  const call = async (query: string, variables: Record<string, unknown>, address?: string) =>
    callSubgraph(usersUrl, await sign(null), query, variables, timeoutMs, address ? { [CLIENT_ADDRESS_HEADER]: address } : {});
  return {
    async refresh(refreshToken, address) {
      try {
        const response = await call('mutation BffRefresh($t: String!) { refreshSession(refreshToken: $t) { expiresAt } }', { t: refreshToken }, address);
        const session = readSessionHeaders(response.headers);
        const body = (await response.json().catch(() => ({}))) as { errors?: { extensions?: { code?: string } }[] };
        if (session.token && session.refreshToken) return { kind: 'renewed', accessToken: session.token, refreshToken: session.refreshToken };
        // Only users saying UNAUTHENTICATED ends a session; an outage must not log anyone out.
        return body.errors?.[0]?.extensions?.code === 'UNAUTHENTICATED' ? { kind: 'ended' } : { kind: 'unavailable' };
      } catch {
        return { kind: 'unavailable' };
      }
    },
    async revoke(refreshToken) {
      const response = await call('mutation BffSignOut($t: String) { signOut(refreshToken: $t) }', { t: refreshToken });
      await response.body?.cancel();
    },
  };
}
