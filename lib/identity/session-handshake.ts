/**
 * The session handshake between users and the BFFs, both sides. Tokens never travel in a
 * subgraph's GraphQL response body: a resolver of users that signs someone in, refreshes or signs
 * out records it in its context's `session`; the subgraph writes that into response headers
 * (writeSessionHeaders), and the BFF's data source reads them back (readSessionHeaders) and turns
 * them into cookies (web) or fields of its own payload (mobile).
 */

/** What users said about the session during one request. */
export interface SessionReport {
  /** A freshly issued access token. */
  token?: string;
  /** Its refresh token (sign-in, sign-up, refresh). */
  refreshToken?: string;
  /** The session ended (sign-out). */
  ended?: boolean;
}

/** The response header in which users hands a freshly issued access token to the BFF. */
export const SESSION_HEADER = 'x-session-token';
/** The response header in which users hands a new refresh token to the BFF, beside SESSION_HEADER. */
export const SESSION_REFRESH_HEADER = 'x-session-refresh';
/** The response header that tells the BFF the session has ended (sign-out). */
export const SESSION_ENDED_HEADER = 'x-session-ended';

/** Subgraph side: reports `session` in response headers. */
export function writeSessionHeaders(session: SessionReport | undefined, headers: { set(name: string, value: string): unknown }): void {
  if (session?.token) headers.set(SESSION_HEADER, session.token);
  if (session?.refreshToken) headers.set(SESSION_REFRESH_HEADER, session.refreshToken);
  if (session?.ended) headers.set(SESSION_ENDED_HEADER, '1');
}

/** BFF side: what users' response headers say about the session; empty when nothing changed. */
export function readSessionHeaders(headers: { get(name: string): string | null | undefined } | undefined): SessionReport {
  const token = headers?.get(SESSION_HEADER) || undefined;
  const refreshToken = headers?.get(SESSION_REFRESH_HEADER) || undefined;
  return { ...(token && { token }), ...(refreshToken && { refreshToken }), ...(headers?.get(SESSION_ENDED_HEADER) && { ended: true }) };
}
