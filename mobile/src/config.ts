import { Platform } from 'react-native';

/**
 * Where bff-mobile is. On a phone, `EXPO_PUBLIC_BFF_MOBILE_URL` (inlined by Expo when it bundles,
 * e.g. http://192.168.1.20:4100, your machine's address on the Wi-Fi). The web build can also be
 * pointed at one with `?bff=<origin>` in its address, so that one build serves any bff-mobile;
 * otherwise it assumes port 4100 on the host that served it.
 */
function bffUrl(): string {
  const configured = process.env.EXPO_PUBLIC_BFF_MOBILE_URL;
  if (Platform.OS === 'web' && typeof window !== 'undefined') {
    const fromAddress = new URLSearchParams(window.location.search).get('bff');
    if (fromAddress && /^https?:\/\/[^/]+$/.test(fromAddress)) return fromAddress;
    return configured ?? `${window.location.protocol}//${window.location.hostname}:4100`;
  }
  return configured ?? 'http://127.0.0.1:4100';
}

export const BFF_URL = bffUrl().replace(/\/$/, '');

/** A media path as bff-mobile gives it (`/media/<id>/thumb`) made absolute; absolute URLs pass as they are. */
export function mediaUrl(path: string | null | undefined): string | undefined {
  if (!path) return undefined;
  return path.startsWith('/') ? `${BFF_URL}${path}` : path;
}

/** Cards per feed page: a phone's screen and a half. */
export const PAGE_SIZE = 10;
