import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../server/test/helpers/test-server';
import { createTidingsClient, isTidingsError, type TidingsClient } from '../src/index';

/** The SDK against the real server (PGlite, or Postgres with TEST_DATABASE_URL). */
describe('the SDK against the real server', () => {
  let server: TestServer;
  let client: TidingsClient;

  beforeAll(async () => {
    // Every edit its own history entry, so there is an old version to revert to.
    server = await startTestServer({ VERSION_SNAPSHOT_INTERVAL_MS: '0' });
    client = createTidingsClient({ baseUrl: server.url, credentials: 'token' });
    expect(await client.ready).toBeNull();
    await client.register({
      email: `sdk-${Date.now()}@example.com`,
      password: 'correct horse battery',
    });
  });
  afterAll(() => server?.close());

  it('creates, lists, filters, changes, versions and reverts notes in folders', async () => {
    const folder = await client.folders.create({ name: 'Work' });
    const child = await client.folders.create({ name: 'Plans', parentId: folder.id });
    expect((await client.folders.list()).map((f) => f.name).sort()).toEqual(['Plans', 'Work']);
    const renamed = await client.folders.update(child.id, { name: 'Roadmap' });
    expect(renamed).toMatchObject({ name: 'Roadmap', parentId: folder.id });

    const note = await client.notes.create({
      title: 'Plan',
      content: 'first',
      folderId: folder.id,
    });
    const edited = await client.notes.update(
      note.id,
      { content: 'second', tags: ['work'] },
      note.version,
    );
    expect(edited).toMatchObject({ content: 'second', tags: ['work'], version: note.version + 1 });
    await client.notes.update(note.id, { starred: true });

    expect((await client.notes.list({ starred: true })).notes.map((n) => n.id)).toEqual([note.id]);
    expect((await client.notes.list({ tag: 'work' })).notes).toHaveLength(1);
    expect((await client.notes.list({ q: 'SECOND' })).notes).toHaveLength(1);
    expect((await client.notes.list({ folderId: folder.id })).notes).toHaveLength(1);
    expect((await client.tags.list()).map((t) => t.name)).toEqual(['work']);

    const conflict = await client.notes.updateOrConflict(
      note.id,
      { content: 'stale' },
      note.version,
    );
    expect(conflict).toMatchObject({ status: 'conflict', current: { content: 'second' } });

    const versions = await client.notes.versions(note.id);
    const first = versions.find((v) => v.content === 'first');
    expect(first).toBeDefined();
    const reverted = await client.notes.revert(note.id, first?.version ?? 0);
    expect(reverted.content).toBe('first');

    await client.notes.trash(note.id);
    expect((await client.notes.list({ deleted: true })).notes.map((n) => n.id)).toEqual([note.id]);
    expect((await client.notes.restore(note.id)).deleted).toBe(false);
    await client.notes.deletePermanently(note.id);
    const gone = await client.notes.get(note.id).catch((error: unknown) => error);
    expect(isTidingsError(gone, 'NOT_FOUND')).toBe(true);
    await client.folders.delete(folder.id);
    expect(await client.folders.list()).toEqual([]);
  });

  it('ends the session on logout: the next call is SIGNED_OUT', async () => {
    const other = createTidingsClient({ baseUrl: server.url, credentials: 'token' });
    await other.register({
      email: `bye-${Date.now()}@example.com`,
      password: 'correct horse battery',
    });
    expect((await other.me()).email).toMatch(/^bye-/);
    await other.logout();
    const after = await other.notes.list().catch((error: unknown) => error);
    expect(isTidingsError(after, 'SIGNED_OUT')).toBe(true);
  });
});
