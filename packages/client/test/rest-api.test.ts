import type { Note } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { createTidingsClient, isTidingsError, memorySessionStore } from '../src/index';
import { errorBody, fakeApi, type RecordedRequest, TEST_USER } from './helpers/fake-api';

const NOTE: Note = {
  id: '11111111-1111-4111-8111-111111111111',
  folderId: null,
  title: 'Hello',
  content: 'World',
  encryptedTitle: null,
  encryptedContent: null,
  starred: false,
  archived: false,
  deleted: false,
  hidden: false,
  tags: [],
  version: 3,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

function signedInTokenClient(fetch: ReturnType<typeof fakeApi>['fetch'], expiresIn = 60_000) {
  return createTidingsClient({
    baseUrl: 'http://127.0.0.1:9',
    credentials: 'token',
    fetch,
    sessionStore: memorySessionStore({
      user: TEST_USER,
      accessToken: 'access-1',
      expiresAt: Date.now() + expiresIn,
      refreshToken: 'refresh-1',
    }),
  });
}

const dataPaths = (requests: RecordedRequest[]) =>
  requests.filter((r) => !r.path.startsWith('/api/auth') && r.path !== '/api/csrf-token');

describe('REST methods', () => {
  it('call the contract paths with the contract bodies', async () => {
    const api = fakeApi((request) => {
      if (request.path === '/api/notes' && request.method === 'GET')
        return { status: 200, body: { notes: [NOTE], nextCursor: null } };
      if (request.path.endsWith('/versions'))
        return { status: 200, body: { versions: [{ version: 2 }] } };
      if (request.path.startsWith('/api/notes') && request.method === 'DELETE')
        return { status: 204 };
      if (request.path.startsWith('/api/notes')) return { status: 200, body: { note: NOTE } };
      if (request.path === '/api/folders' && request.method === 'GET')
        return { status: 200, body: { folders: [] } };
      if (request.path.startsWith('/api/folders') && request.method === 'DELETE')
        return { status: 204 };
      if (request.path.startsWith('/api/folders')) return { status: 201, body: { folder: {} } };
      if (request.path === '/api/tags') return { status: 200, body: { tags: [] } };
      return undefined;
    });
    const client = signedInTokenClient(api.fetch);
    const page = await client.notes.list({ starred: true, tag: 'work', q: 'hi', deleted: false });
    expect(page.notes).toEqual([NOTE]);
    await client.notes.get(NOTE.id);
    await client.notes.create({ title: 'New', tags: ['a'] });
    await client.notes.update(NOTE.id, { title: 'T' }, 3);
    await client.notes.trash(NOTE.id);
    await client.notes.deletePermanently(NOTE.id);
    await client.notes.restore(NOTE.id);
    expect(await client.notes.versions(NOTE.id)).toEqual([{ version: 2 }]);
    await client.notes.revert(NOTE.id, 2);
    await client.folders.list();
    await client.folders.create({ name: 'Work', parentId: null });
    await client.folders.update('f1', { name: 'Play' });
    await client.folders.delete('f1');
    await client.tags.list();

    const sent = dataPaths(api.requests).map((r) => ({
      call: `${r.method} ${r.path}${r.query.size ? `?${r.query}` : ''}`,
      body: r.body,
    }));
    expect(sent).toEqual([
      { call: 'GET /api/notes?starred=true&tag=work&q=hi&deleted=false', body: undefined },
      { call: `GET /api/notes/${NOTE.id}`, body: undefined },
      { call: 'POST /api/notes', body: { title: 'New', tags: ['a'] } },
      { call: `PATCH /api/notes/${NOTE.id}`, body: { title: 'T', baseVersion: 3 } },
      { call: `DELETE /api/notes/${NOTE.id}`, body: undefined },
      { call: `DELETE /api/notes/${NOTE.id}?permanent=true`, body: undefined },
      { call: `POST /api/notes/${NOTE.id}/restore`, body: undefined },
      { call: `GET /api/notes/${NOTE.id}/versions`, body: undefined },
      { call: `POST /api/notes/${NOTE.id}/versions/2/revert`, body: undefined },
      { call: 'GET /api/folders', body: undefined },
      { call: 'POST /api/folders', body: { name: 'Work', parentId: null } },
      { call: 'PATCH /api/folders/f1', body: { name: 'Play' } },
      { call: 'DELETE /api/folders/f1', body: undefined },
      { call: 'GET /api/tags', body: undefined },
    ]);
    // Token mode: every request carries the bearer token and none needs a CSRF token.
    expect(
      dataPaths(api.requests).every((r) => r.headers.authorization === 'Bearer access-1'),
    ).toBe(true);
    expect(api.csrfFetches).toBe(0);
  });

  it('cookie mode: fetches the CSRF token once and sends it on every change, not on reads', async () => {
    const api = fakeApi((request) => {
      if (request.path === '/api/notes' && request.method === 'POST')
        return { status: 201, body: { note: NOTE } };
      if (request.path === '/api/notes')
        return { status: 200, body: { notes: [], nextCursor: null } };
      return undefined;
    });
    const client = createTidingsClient({
      baseUrl: 'http://127.0.0.1:9',
      credentials: 'cookie',
      fetch: api.fetch,
    });
    expect(await client.ready).toEqual(TEST_USER);
    await Promise.all([client.notes.create({}), client.notes.create({}), client.notes.list()]);
    const creates = api.requests.filter((r) => r.method === 'POST' && r.path === '/api/notes');
    expect(creates.map((r) => r.headers['x-csrf-token'])).toEqual(['csrf-1', 'csrf-1']);
    const list = api.requests.find((r) => r.method === 'GET' && r.path === '/api/notes');
    expect(list?.headers['x-csrf-token']).toBeUndefined();
    expect(api.csrfFetches).toBe(1);
  });

  it('cookie mode: a rejected CSRF token is fetched again and the change retried once', async () => {
    let rejected = false;
    const api = fakeApi((request) => {
      if (request.path !== '/api/notes' || request.method !== 'POST') return undefined;
      if (!rejected) {
        rejected = true;
        return { status: 403, body: errorBody('CSRF_INVALID') };
      }
      return { status: 201, body: { note: NOTE } };
    });
    const client = createTidingsClient({
      baseUrl: 'http://127.0.0.1:9',
      credentials: 'cookie',
      fetch: api.fetch,
    });
    await client.ready;
    await client.notes.create({});
    const creates = api.requests.filter((r) => r.method === 'POST' && r.path === '/api/notes');
    expect(creates.map((r) => r.headers['x-csrf-token'])).toEqual(['csrf-1', 'csrf-2']);
  });

  it('a TOKEN_EXPIRED on concurrent calls causes one refresh, then one retry each', async () => {
    const api = fakeApi((request) => {
      if (!request.path.startsWith('/api/notes')) return undefined;
      if (request.headers.authorization === 'Bearer access-1')
        return { status: 401, body: errorBody('TOKEN_EXPIRED') };
      return { status: 200, body: { note: NOTE } };
    });
    const client = signedInTokenClient(api.fetch);
    const results = await Promise.all([
      client.notes.get('a'),
      client.notes.get('b'),
      client.notes.get('c'),
    ]);
    expect(results).toHaveLength(3);
    expect(api.refreshes).toBe(1);
    const noteCalls = dataPaths(api.requests);
    expect(noteCalls).toHaveLength(6);
    expect(noteCalls.slice(3).every((r) => r.headers.authorization === 'Bearer access-2')).toBe(
      true,
    );
  });

  it('surfaces a version conflict with the server version, as an error or as a value', async () => {
    const current = { ...NOTE, title: 'changed elsewhere', version: 4 };
    const api = fakeApi((request) =>
      request.method === 'PATCH'
        ? { status: 409, body: errorBody('VERSION_CONFLICT', 'conflict', { current }) }
        : undefined,
    );
    const client = signedInTokenClient(api.fetch);
    const error = await client.notes.update(NOTE.id, { title: 'mine' }, 3).catch((e: unknown) => e);
    expect(isTidingsError(error, 'VERSION_CONFLICT')).toBe(true);
    expect(await client.notes.updateOrConflict(NOTE.id, { title: 'mine' }, 3)).toEqual({
      status: 'conflict',
      current,
    });
  });

  it('sends nothing authenticated before the stored session is loaded', async () => {
    const api = fakeApi((request) =>
      request.path === '/api/notes'
        ? { status: 200, body: { notes: [], nextCursor: null } }
        : undefined,
    );
    let release: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => (release = resolve));
    const client = createTidingsClient({
      baseUrl: 'http://127.0.0.1:9',
      credentials: 'token',
      fetch: api.fetch,
      sessionStore: {
        load: async () => {
          await loaded;
          return {
            user: TEST_USER,
            accessToken: 'access-1',
            expiresAt: Date.now() + 60_000,
            refreshToken: 'r',
          };
        },
        save: () => undefined,
        clear: () => undefined,
      },
    });
    const listing = client.notes.list();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(api.requests).toEqual([]);
    release();
    await listing;
    expect(api.requests[0]?.headers.authorization).toBe('Bearer access-1');
  });
});
