/**
 * Paths whose last segment is a credential: an upload URL's secret (`/uploads/<secret>`) is the
 * only thing that authorises its PUT, as with a presigned URL, so it never reaches a log line or a
 * span. A module of its own, without imports: lib/telemetry/tracing.ts loads it before the `http`
 * module its instrumentation must see load first.
 */
const CREDENTIAL_PATHS = ['/uploads/'];

/** The path as logged and traced: a credential in it replaced. */
export function loggedPath(pathname: string): string {
  const prefix = CREDENTIAL_PATHS.find((p) => pathname.startsWith(p));
  return prefix ? `${prefix}[secret]` : pathname;
}
