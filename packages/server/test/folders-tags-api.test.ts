import type { Folder, Note, Tag } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, apiFor, type ErrorBody } from './helpers/api-client';
import { openSse } from './helpers/sse-client';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';

type FolderBody = { folder: Folder };
type NoteBody = { note: Note };

describe('folders and tags REST API', () => {
  let server: TestServer;
  let api: Api;

  beforeAll(async () => {
    server = await startTestServer();
    api = apiFor(server, (await createTestUser(server)).headers);
  });
  afterAll(() => server.close());

  async function folder(name: string, parentId?: string): Promise<Folder> {
    const answer = await api<FolderBody>('POST', '/api/folders', { name, parentId });
    expect(answer.status).toBe(201);
    return answer.body.folder;
  }

  it('creates, nests, renames and lists folders', async () => {
    const work = await folder('Work');
    const sub = await folder('Projects', work.id);
    expect(sub.parentId).toBe(work.id);
    const renamed = await api<FolderBody>('PATCH', `/api/folders/${sub.id}`, { name: 'Active' });
    expect(renamed.body.folder).toMatchObject({ id: sub.id, name: 'Active', parentId: work.id });
    const list = await api<{ folders: Folder[] }>('GET', '/api/folders');
    expect(list.body.folders.map((f) => f.name)).toEqual(
      expect.arrayContaining(['Work', 'Active']),
    );
  });

  it('refuses to move a folder under itself or its own descendant', async () => {
    const top = await folder('Top');
    const child = await folder('Child', top.id);
    const grandchild = await folder('Grandchild', child.id);
    for (const parentId of [top.id, grandchild.id]) {
      const answer = await api<ErrorBody>('PATCH', `/api/folders/${top.id}`, { parentId });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
    const moved = await api<FolderBody>('PATCH', `/api/folders/${grandchild.id}`, {
      parentId: null,
    });
    expect(moved.body.folder.parentId).toBeNull();
  });

  it('deletes a folder tree, leaving its notes at the root', async () => {
    const watcher = await createTestUser(server);
    const watcherApi = apiFor(server, watcher.headers);
    const parent = (await watcherApi<FolderBody>('POST', '/api/folders', { name: 'Old' })).body
      .folder;
    const child = (
      await watcherApi<FolderBody>('POST', '/api/folders', { name: 'Older', parentId: parent.id })
    ).body.folder;
    const note = (
      await watcherApi<NoteBody>('POST', '/api/notes', { title: 'Keep me', folderId: child.id })
    ).body.note;

    const stream = await openSse(`${server.url}/api/events`, {
      ...watcher.headers,
      'last-event-id': '3',
    });
    expect((await watcherApi('DELETE', `/api/folders/${parent.id}`)).status).toBe(204);
    const frames = (await stream.take(4)).filter((frame) => frame.event !== 'ready');
    stream.close();
    expect(frames.map((f) => f.event)).toEqual([
      'note_sync',
      'folder_deleted_sync',
      'folder_deleted_sync',
    ]);
    expect(frames.map((f) => (f.data as { folderId?: string }).folderId).slice(1)).toEqual([
      child.id,
      parent.id,
    ]);

    const trashed = await watcherApi<NoteBody>('GET', `/api/notes/${note.id}`);
    expect(trashed.body.note).toMatchObject({ deleted: false, folderId: null, title: 'Keep me' });
    expect((await watcherApi('PATCH', `/api/folders/${parent.id}`, { name: 'x' })).status).toBe(
      404,
    );
  });

  it("answers another user's folder with 404", async () => {
    const mine = await folder('Mine');
    const intruder = apiFor(server, (await createTestUser(server)).headers);
    expect((await intruder('PATCH', `/api/folders/${mine.id}`, { name: 'x' })).status).toBe(404);
    expect((await intruder('DELETE', `/api/folders/${mine.id}`)).status).toBe(404);
    const asParent = await intruder<ErrorBody>('POST', '/api/folders', {
      name: 'Sneaky',
      parentId: mine.id,
    });
    expect(asParent.status).toBe(400);
  });

  it('renaming a tag renames it on every note, deleting it removes it', async () => {
    const tagged = (await api<NoteBody>('POST', '/api/notes', { title: 'T', tags: ['draft'] })).body
      .note;
    const tags = await api<{ tags: Tag[] }>('GET', '/api/tags');
    const draft = tags.body.tags.find((tag) => tag.name === 'draft') as Tag;

    const renamed = await api<{ tag: Tag }>('PATCH', `/api/tags/${draft.id}`, {
      name: 'final',
      color: '#00aa00',
    });
    expect(renamed.body.tag).toMatchObject({ name: 'final', color: '#00aa00' });
    const afterRename = await api<NoteBody>('GET', `/api/notes/${tagged.id}`);
    expect(afterRename.body.note).toMatchObject({ tags: ['final'], version: 2 });

    expect((await api('DELETE', `/api/tags/${draft.id}`)).status).toBe(204);
    const afterDelete = await api<NoteBody>('GET', `/api/notes/${tagged.id}`);
    expect(afterDelete.body.note).toMatchObject({ tags: [], version: 3 });
  });

  it('refuses a duplicate tag name (any case) and a bad colour', async () => {
    expect((await api('POST', '/api/tags', { name: 'Home' })).status).toBe(201);
    const duplicate = await api<ErrorBody>('POST', '/api/tags', { name: 'HOME' });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.code).toBe('VALIDATION_FAILED');
    const colour = await api<ErrorBody>('POST', '/api/tags', { name: 'x', color: 'red' });
    expect(colour.status).toBe(400);
  });
});
