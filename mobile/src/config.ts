import { Platform } from 'react-native';
import { bffFromAddress } from './bff-address';

/**
 * Where bff-mobile is. On a phone, `EXPO_PUBLIC_BFF_MOBILE_URL` (inlined by Expo when it bundles,
 * e.g. http://192.168.1.20:4100, your machine's address on the Wi-Fi). The web build can also be
 * pointed at one on its own host with `?bff=<origin>` in its address (bff-address.ts), so that one
 * build serves any bff-mobile port; otherwise it assumes port 4100 on the host that served it.
 */
function bffUrl(): string {
  const configured = process.env.EXPO_PUBLIC_BFF_MOBILE_URL;
  if (Platform.OS === 'web' && typeof window !== 'undefined') {
    const fromAddress = bffFromAddress(window.location);
    if (fromAddress) return fromAddress;
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
