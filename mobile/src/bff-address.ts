/**
 * The bff-mobile a web build's address names with `?bff=<origin>`, or null. Only an origin on the
 * page's own host (another port) is taken: the app sends it the password typed in and its tokens,
 * so a link to the app with `?bff=https://elsewhere` must not make it hand them to elsewhere.
 * Kept free of React Native imports, so that it is unit-tested where it is decided.
 */
export function bffFromAddress(location: { search: string; hostname: string }): string | null {
  const named = new URLSearchParams(location.search).get('bff');
  if (!named || !/^https?:\/\/[^/]+$/.test(named)) return null;
  let url: URL;
  try {
    url = new URL(named);
  } catch {
    return null;
  }
  return url.hostname === location.hostname && url.username === '' && url.password === '' ? url.origin : null;
}
