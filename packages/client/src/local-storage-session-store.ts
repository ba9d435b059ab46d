import type { SessionStore, StoredSession } from './session-store';

/**
 * Token mode in a browser without cookies: the session in localStorage. Readable by any script
 * on the page, so prefer cookie mode (the default in browsers) where the tokens are httpOnly.
 */
export function localStorageSessionStore(key = 'tidings-session'): SessionStore {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!storage) throw new TypeError('localStorage is not available here.');
  return {
    load() {
      const raw = storage.getItem(key);
      if (!raw) return null;
      try {
        return JSON.parse(raw) as StoredSession;
      } catch {
        return null;
      }
    },
    save(session) {
      storage.setItem(key, JSON.stringify(session));
    },
    clear() {
      storage.removeItem(key);
    },
  };
}
