import AsyncStorage from '@react-native-async-storage/async-storage';
import type { Card } from '../../bff-mobile/client/client';

/**
 * The last feed the app showed, kept so that it can be shown again when bff-mobile cannot be
 * reached. AsyncStorage: app storage on a phone, localStorage in the web build.
 */
const KEY = 'feed.v1';

export interface CachedFeed {
  cards: Card[];
  savedAt: string;
}

export async function saveFeed(cards: Card[]): Promise<void> {
  await AsyncStorage.setItem(KEY, JSON.stringify({ cards, savedAt: new Date().toISOString() } satisfies CachedFeed));
}

export async function loadFeed(): Promise<CachedFeed | null> {
  const raw = await AsyncStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as CachedFeed;
    return Array.isArray(parsed.cards) ? parsed : null;
  } catch {
    return null;
  }
}
