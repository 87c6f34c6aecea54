/**
 * The web build's stand-in for expo-secure-store, behind the same interface: sessionStorage,
 * which lasts as long as the tab (a reload keeps the session, closing the tab ends it) and is
 * not shared with other tabs. A browser has no keychain; this is the weaker guarantee the web
 * build accepts, and why the phone is the app's real home.
 */
export const secureStore = {
  get: async (key: string): Promise<string | null> => window.sessionStorage.getItem(key),
  set: async (key: string, value: string): Promise<void> => window.sessionStorage.setItem(key, value),
  remove: async (key: string): Promise<void> => window.sessionStorage.removeItem(key),
};
