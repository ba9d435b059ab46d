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

/**
 * Cookie mode in a browser: remembers only who was signed in (the user record, never a token;
 * the tokens stay in httpOnly cookies), so a page loaded while the server cannot be reached can
 * still open that user's workspace (offline, with what the device keeps) instead of the sign-in
 * screen. Cleared when the session ends (logout, or the server says it is gone).
 */
export function signedInMarkerStore(key = 'tidings-signed-in'): SessionStore {
  const storage = (globalThis as { localStorage?: Storage }).localStorage;
  if (!storage) throw new TypeError('localStorage is not available here.');
  return {
    load() {
      try {
        const raw = storage.getItem(key);
        const parsed = raw ? (JSON.parse(raw) as { user?: StoredSession['user'] }) : null;
        if (!parsed?.user || typeof parsed.user.id !== 'string') return null;
        return { user: parsed.user, accessToken: null, expiresAt: null, refreshToken: null };
      } catch {
        return null;
      }
    },
    save(session) {
      storage.setItem(key, JSON.stringify({ user: session.user }));
    },
    clear() {
      storage.removeItem(key);
    },
  };
}
