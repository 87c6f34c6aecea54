/**
 * The app's pages by path pattern (`:name` is one path segment): React Router routes them in
 * the browser, and bff-web answers these paths with the app and any other path with a 404.
 * Kept free of browser and React imports, since bff-web imports it too.
 */
export const PAGES = {
  feed: '/',
  post: '/posts/:id',
  editPost: '/posts/:id/edit',
  profile: '/u/:handle',
  signIn: '/signin',
  signUp: '/signup',
  write: '/write',
  admin: '/admin',
} as const;

const PATTERNS = Object.values(PAGES).map((pattern) => pattern.split('/').slice(1));

/** Whether `pathname` (decoded) is one of the app's pages; a trailing slash is allowed, as React Router allows it. */
export function isPage(pathname: string): boolean {
  const segments = (pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname).split('/').slice(1);
  return PATTERNS.some(
    (pattern) => pattern.length === segments.length && pattern.every((part, i) => (part.startsWith(':') ? segments[i] !== '' : part === segments[i])),
  );
}
