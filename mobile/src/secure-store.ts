import * as SecureStore from 'expo-secure-store';

/**
 * Where the refresh token lives on a phone: the Keychain (iOS) or the Keystore-encrypted
 * preferences (Android), through expo-secure-store. secure-store.web.ts is the web build's.
 */
export const secureStore = {
  get: (key: string): Promise<string | null> => SecureStore.getItemAsync(key),
  set: (key: string, value: string): Promise<void> => SecureStore.setItemAsync(key, value),
  remove: (key: string): Promise<void> => SecureStore.deleteItemAsync(key),
};
