import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTidingsClient, signedInMarkerStore } from '../src/index';
import type { FetchLike } from '../src/http-transport';
import { errorBody, fakeApi, TEST_USER } from './helpers/fake-api';

/** A stand-in for the browser's localStorage, for the marker store in Node. */
function fakeLocalStorage(): Storage {
  const items = new Map<string, string>();
  return {
    get length() {
      return items.size;
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, String(value)),
  };
}

const unreachable: FetchLike = async () => {
  throw new TypeError('fetch failed');
};

/**
 * Cookie mode, a page loaded while the server cannot be reached: the user who was signed in
 * stays signed in (offline) unless the server itself says the session is gone.
 */
describe('starting without the server (cookie mode, signed-in marker)', () => {
  let storage: Storage;
  beforeEach(() => {
    storage = fakeLocalStorage();
    (globalThis as { localStorage?: Storage }).localStorage = storage;
  });
  afterEach(() => {
    delete (globalThis as { localStorage?: Storage }).localStorage;
  });

  const client = (fetch: FetchLike) =>
    createTidingsClient({
      baseUrl: 'http://127.0.0.1:9',
      credentials: 'cookie',
      fetch,
      sessionStore: signedInMarkerStore(),
    });

  it('remembers who signed in, never a token', async () => {
    const api = fakeApi((request) =>
      request.path === '/api/auth/login'
        ? { status: 200, body: { user: TEST_USER, accessToken: 'secret-access', expiresAt: 1 } }
        : undefined,
    );
    const signedIn = client(api.fetch);
    await signedIn.login({ email: TEST_USER.email, password: 'pw' });
    const raw = storage.getItem('tidings-signed-in') ?? '';
    expect(JSON.parse(raw)).toEqual({ user: TEST_USER });
    expect(raw).not.toContain('secret-access');
  });

  it('opens as the remembered user when the server cannot be reached', async () => {
    storage.setItem('tidings-signed-in', JSON.stringify({ user: TEST_USER }));
    const offline = client(unreachable);
    expect(await offline.ready).toEqual(TEST_USER);
    expect(offline.authState.status).toBe('signed-in');
  });

  it('treats a proxy error page like an unreachable server', async () => {
    storage.setItem('tidings-signed-in', JSON.stringify({ user: TEST_USER }));
    const behindProxy = client(async () => new Response('<h1>Bad gateway</h1>', { status: 502 }));
    expect(await behindProxy.ready).toEqual(TEST_USER);
  });

  it('signs out, and forgets the user, when the server says the session is gone', async () => {
    storage.setItem('tidings-signed-in', JSON.stringify({ user: TEST_USER }));
    const api = fakeApi((request) => {
      if (request.path === '/api/auth/me')
        return { status: 401, body: errorBody('UNAUTHENTICATED') };
      if (request.path === '/api/auth/refresh') {
        return { status: 401, body: errorBody('REFRESH_INVALID') };
      }
      return undefined;
    });
    const gone = client(api.fetch);
    expect(await gone.ready).toBeNull();
    expect(gone.authState.status).toBe('signed-out');
    expect(storage.getItem('tidings-signed-in')).toBeNull();
  });

  it('shows sign-in when nobody was signed in here and the server is unreachable', async () => {
    expect(await client(unreachable).ready).toBeNull();
  });
});
