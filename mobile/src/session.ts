import { MobileApiError, MobileClient, type Session } from '../../bff-mobile/client/client';
import { retryDelay } from './backoff';
import { secureStore } from './secure-store';

/**
 * The app's session: the access token only in memory (inside MobileClient), the refresh token
 * in secure storage with the user it belongs to. The session is refreshed before the access
 * token expires; a call whose token was refused anyway (the phone slept past the refresh) is
 * refreshed and retried once. A refused refresh token signs the app out; an unreachable
 * bff-mobile does not (the next attempt may succeed).
 */
const KEY = 'session.v1';

export interface SessionUser {
  id: string;
  handle: string;
  displayName: string;
}

export type SessionState = { status: 'restoring' } | { status: 'signed-out'; reason?: string } | { status: 'signed-in'; user: SessionUser };

interface Stored {
  refreshToken: string;
  user: SessionUser;
}

/** Codes with which bff-mobile refuses a token for good (any other failure may pass). */
const REFUSED = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT']);

export function isRefusal(error: unknown): boolean {
  return error instanceof MobileApiError && REFUSED.has(error.code ?? '');
}

/** A fetch that failed to reach bff-mobile at all (no answer), as opposed to an answer that refused. */
export function isUnreachable(error: unknown): boolean {
  return !(error instanceof MobileApiError) && error instanceof TypeError;
}

/** What secure storage holds, or null when it holds nothing usable: then the app starts signed out rather than on a spinner for ever. */
function readStored(raw: string | null): Stored | null {
  if (!raw) return null;
  try {
    const stored = JSON.parse(raw) as Partial<Stored> | null;
    return typeof stored?.refreshToken === 'string' && typeof stored.user?.handle === 'string' ? (stored as Stored) : null;
  } catch {
    return null;
  }
}

export class SessionManager {
  private client: MobileClient;
  private stored: Stored | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private refreshing: Promise<void> | undefined;
  /** Refreshes failed in a row for a reason that may pass (offline, 503): the next waits longer. */
  private refreshFailures = 0;
  private readonly listeners = new Set<(state: SessionState) => void>();
  state: SessionState = { status: 'restoring' };

  constructor(private readonly baseUrl: string) {
    this.client = new MobileClient({ baseUrl });
  }

  subscribe(listener: (state: SessionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get accessToken(): string | undefined {
    return this.client.accessToken;
  }

  private set(state: SessionState) {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  /** At start: a stored refresh token means signed in; its access token is fetched in the background. */
  async restore(): Promise<void> {
    const raw = await secureStore.get(KEY).catch(() => null);
    this.stored = readStored(raw);
    if (!this.stored) return this.set({ status: 'signed-out' });
    this.set({ status: 'signed-in', user: this.stored.user });
    await this.refresh().catch(() => undefined);
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.keep(await this.client.signIn(email, password));
  }

  async signUp(input: { email: string; password: string; handle: string; displayName: string }): Promise<void> {
    await this.keep(await this.client.signUp(input));
  }

  /** Revokes the session at bff-mobile when it can be reached; forgets it here in any case. */
  async signOut(): Promise<void> {
    await this.client.signOut().catch(() => undefined);
    await this.forget();
  }

  /**
   * Runs `operation` with the session's client. Without an access token (restored, not yet
   * refreshed) it refreshes first; when the token is refused it refreshes and retries once.
   */
  async call<T>(operation: (client: MobileClient) => Promise<T>): Promise<T> {
    if (this.stored && !this.client.accessToken) await this.refresh();
    try {
      return await operation(this.client);
    } catch (error) {
      if (!this.stored || !(error instanceof MobileApiError) || error.code !== 'UNAUTHENTICATED') throw error;
      await this.refresh();
      return operation(this.client);
    }
  }

  /** One refresh at a time: concurrent callers share it (a refresh token is spent once). */
  refresh(): Promise<void> {
    this.refreshing ??= this.doRefresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  private async doRefresh(): Promise<void> {
    if (!this.stored) return;
    try {
      await this.keep(await this.client.refresh(this.stored.refreshToken));
    } catch (error) {
      if (isRefusal(error)) {
        await this.forget('Your session ended. Please sign in again.');
      } else {
        this.refreshFailures += 1;
        this.schedule(retryDelay(this.refreshFailures));
      }
      throw error;
    }
  }

  private async keep(session: Session): Promise<void> {
    this.refreshFailures = 0;
    this.stored = { refreshToken: session.refreshToken, user: session.user };
    await secureStore.set(KEY, JSON.stringify(this.stored));
    // Refresh a quarter of the token's life (at most a minute) before it expires.
    const lifetime = Date.parse(session.expiresAt) - Date.now();
    this.schedule(lifetime - Math.min(60_000, lifetime / 4));
    this.set({ status: 'signed-in', user: session.user });
  }

  private schedule(ms: number) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch(() => undefined), Math.max(0, ms));
  }

  private async forget(reason?: string): Promise<void> {
    clearTimeout(this.timer);
    this.refreshFailures = 0;
    this.stored = null;
    this.client = new MobileClient({ baseUrl: this.baseUrl });
    await secureStore.remove(KEY).catch(() => undefined);
    this.set({ status: 'signed-out', reason });
  }
}

/** What to tell the user about a failed call: the server's own words, or that it cannot be reached. */
export function messageOf(error: unknown): string {
  if (error instanceof MobileApiError) return error.errors[0]?.message ?? error.message;
  if (isUnreachable(error)) return 'Cannot reach the server. Check your connection and try again.';
  return error instanceof Error ? error.message : String(error);
}
