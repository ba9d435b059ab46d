import type { PublicUser } from '@tidings/protocol';

/** What the SDK keeps of a session between runs. */
export interface StoredSession {
  user: PublicUser;
  /** Token mode only; in cookie mode the tokens live in httpOnly cookies the SDK never sees. */
  accessToken: string | null;
  /** Milliseconds since the epoch when the access token stops being accepted. */
  expiresAt: number | null;
  refreshToken: string | null;
}

/**
 * Where a session survives restarts: memory (the default), a file in a CLI, AsyncStorage in a
 * mobile app. May be asynchronous; the client's `ready` waits for `load()` before sending
 * anything authenticated, so no request ever leaves with a token that was not loaded yet.
 */
export interface SessionStore {
  load(): Promise<StoredSession | null> | StoredSession | null;
  save(session: StoredSession): Promise<void> | void;
  clear(): Promise<void> | void;
}

export function memorySessionStore(initial: StoredSession | null = null): SessionStore {
  let current = initial;
  return {
    load: () => current,
    save: (session) => {
      current = session;
    },
    clear: () => {
      current = null;
    },
  };
}
