import { randomUUID } from 'node:crypto';
import type { Note } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFor } from './helpers/api-client';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser, createTestUserWithNote } from './helpers/test-user';
import { openAuthed, type WsClient } from './helpers/ws-client';

describe('WebSocket messages', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  const userWithNote = () =>
    createTestUserWithNote(server, { title: 'Plan', content: 'secret body' });

  async function answer(client: WsClient, message: object | string) {
    client.send(message);
    return client.next();
  }

  it('answers ping with pong and a timestamp', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const before = Date.now();
    const pong = await answer(client, { type: 'ping' });
    expect(pong.type).toBe('pong');
    expect(pong.timestamp).toBeGreaterThanOrEqual(before);
    client.close();
  });

  it('refuses malformed JSON, unknown types, wrong types, extra fields and prototype keys', async () => {
    const { user, note } = await userWithNote();
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const cases: [string, string][] = [
      ['{not json', 'MALFORMED_MESSAGE'],
      ['[]', 'UNKNOWN_MESSAGE_TYPE'],
      ['{"type":"drop_tables"}', 'UNKNOWN_MESSAGE_TYPE'],
      [`{"type":"join_note","noteId":42}`, 'VALIDATION_FAILED'],
      [`{"type":"join_note","noteId":"${note.id}","extra":1}`, 'VALIDATION_FAILED'],
      [
        `{"type":"note_update","noteId":"${note.id}","changes":{"title":"x","userId":"u"}}`,
        'VALIDATION_FAILED',
      ],
      [
        `{"type":"note_update","noteId":"${note.id}","changes":{"__proto__":{"title":"x"}}}`,
        'VALIDATION_FAILED',
      ],
      [
        `{"type":"note_update","noteId":"${note.id}","changes":{"constructor":{"x":1}}}`,
        'VALIDATION_FAILED',
      ],
      [`{"type":"ping","__proto__":{"admin":true}}`, 'VALIDATION_FAILED'],
      // JSON escapes for text Postgres cannot store.
      [
        `{"type":"note_update","noteId":"${note.id}","changes":{"content":"a\\u0000"}}`,
        'VALIDATION_FAILED',
      ],
      [
        `{"type":"note_update","noteId":"${note.id}","changes":{"title":"\\ud800"}}`,
        'VALIDATION_FAILED',
      ],
      [
        `{"type":"note_update","noteId":"${note.id}","changes":{"starred":"yes"},"clientMsgId":"m1"}`,
        'VALIDATION_FAILED',
      ],
    ];
    for (const [text, code] of cases) {
      const reply = await answer(client, text);
      expect(reply, text).toMatchObject({ type: 'error', code });
      expect(typeof reply.message).toBe('string');
    }
    expect(client.received.at(-1)?.clientMsgId).toBe('m1');
    // Nothing changed.
    expect(await server.app.context.data.notes.get(user.userId, note.id)).toEqual(note);
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
    client.close();
  });

  it('updates a note and echoes clientMsgId, with the seq of the change', async () => {
    const { user, note } = await userWithNote();
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const reply = await answer(client, {
      type: 'note_update',
      noteId: note.id,
      changes: { title: 'New', starred: true },
      baseVersion: note.version,
      clientMsgId: 'edit-1',
    });
    expect(reply).toMatchObject({
      type: 'note_update_success',
      noteId: note.id,
      clientMsgId: 'edit-1',
      updatedNote: { title: 'New', starred: true, version: note.version + 1 },
      seq: 2,
    });
    client.close();
  });

  it("processes one connection's messages strictly in the order sent", async () => {
    const { user, note } = await userWithNote();
    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'join_note', noteId: note.id, clientMsgId: 'join' });
    for (let i = 1; i <= 20; i++) {
      client.send({
        type: 'note_update',
        noteId: note.id,
        changes: { title: `v${i}` },
        baseVersion: note.version + i - 1,
        clientMsgId: `u${i}`,
      });
    }
    client.send({ type: 'leave_note', noteId: note.id, clientMsgId: 'leave' });
    const replies = await client.take(22);
    expect(replies.map((r) => r.clientMsgId)).toEqual([
      'join',
      ...Array.from({ length: 20 }, (_, i) => `u${i + 1}`),
      'leave',
    ]);
    expect(replies.slice(1, 21).every((r) => r.type === 'note_update_success')).toBe(true);
    client.close();
  });

  it('answers a stale baseVersion with VERSION_CONFLICT and the current note', async () => {
    const { user, note } = await userWithNote();
    await server.app.context.data.notes.update({ userId: user.userId }, note.id, { title: 'B' });
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const reply = await answer(client, {
      type: 'note_update',
      noteId: note.id,
      changes: { title: 'A' },
      baseVersion: note.version,
      clientMsgId: 'stale',
    });
    expect(reply).toMatchObject({
      type: 'error',
      code: 'VERSION_CONFLICT',
      clientMsgId: 'stale',
      details: { current: { id: note.id, title: 'B' } },
    });
    client.close();
  });

  it('applies a retried clientMsgId once, even on a new connection', async () => {
    const user = await createTestUser(server);
    const first = await openAuthed(server.wsUrl, user.accessToken);
    const created = await answer(first, {
      type: 'note_created',
      noteData: { title: 'Once' },
      clientMsgId: 'create-1',
    });
    expect(created).toMatchObject({ type: 'note_created_success', clientMsgId: 'create-1' });
    first.close();
    const second = await openAuthed(server.wsUrl, user.accessToken);
    const retried = await answer(second, {
      type: 'note_created',
      noteData: { title: 'Once' },
      clientMsgId: 'create-1',
    });
    expect(retried).toMatchObject({
      type: 'note_created_success',
      clientMsgId: 'create-1',
      noteData: { id: (created.noteData as Note).id },
    });
    const { notes } = await server.app.context.data.notes.list(user.userId, {});
    expect(notes).toHaveLength(1);
    second.close();
  });

  it("treats another user's note and folder ids as not found, on join and on every write", async () => {
    const { user: owner, note } = await userWithNote();
    const intruder = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, intruder.accessToken);
    const folder = await server.app.context.data.folders.create(
      { userId: (await createTestUser(server)).userId },
      { name: 'Theirs' },
    );
    for (const message of [
      { type: 'join_note', noteId: note.id },
      { type: 'note_update', noteId: note.id, changes: { title: 'pwned' } },
      { type: 'note_deleted', noteId: note.id },
      { type: 'folder_updated', folderId: folder.id, changes: { name: 'pwned' } },
      { type: 'folder_deleted', folderId: folder.id },
    ]) {
      expect(await answer(client, message), message.type).toMatchObject({
        type: 'error',
        code: 'NOT_FOUND',
      });
    }
    const ownNote = await answer(client, {
      type: 'note_created',
      noteData: { title: 'mine', folderId: folder.id },
    });
    expect(ownNote).toMatchObject({ type: 'error', code: 'VALIDATION_FAILED' });
    expect((await server.app.context.data.notes.get(owner.userId, note.id)).title).toBe('Plan');
    client.close();
  });

  it('creates, renames and deletes folders, and trashes notes', async () => {
    const { user, note } = await userWithNote();
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const folderId = randomUUID();
    expect(
      await answer(client, { type: 'folder_created', folderData: { id: folderId, name: 'F' } }),
    ).toMatchObject({ type: 'folder_created_success', folderData: { id: folderId, name: 'F' } });
    expect(
      await answer(client, { type: 'folder_created', folderData: { id: folderId, name: 'F' } }),
    ).toMatchObject({ type: 'folder_created_success', folderData: { id: folderId } });
    expect(
      await answer(client, { type: 'folder_updated', folderId, changes: { name: 'G' } }),
    ).toMatchObject({ type: 'folder_updated_success', updatedFolder: { name: 'G' } });
    expect(await answer(client, { type: 'note_deleted', noteId: note.id })).toMatchObject({
      type: 'note_deleted_success',
      noteId: note.id,
    });
    expect((await server.app.context.data.notes.get(user.userId, note.id)).deleted).toBe(true);
    expect(await answer(client, { type: 'folder_deleted', folderId })).toMatchObject({
      type: 'folder_deleted_success',
      folderId,
    });
    client.close();
  });

  it('fans out REST and WebSocket edits to the other connections, not back to the sender', async () => {
    const { user, note } = await userWithNote();
    const editor = await openAuthed(server.wsUrl, user.accessToken);
    const joined = await openAuthed(server.wsUrl, user.accessToken);
    const sidebar = await openAuthed(server.wsUrl, user.accessToken);
    expect(await answer(joined, { type: 'join_note', noteId: note.id })).toMatchObject({
      type: 'note_joined',
      noteId: note.id,
    });

    // A WebSocket edit.
    await answer(editor, {
      type: 'note_update',
      noteId: note.id,
      changes: { title: 'By socket', content: 'new body' },
    });
    const full = await joined.next();
    expect(full).toMatchObject({
      type: 'note_sync',
      seq: 2,
      noteId: note.id,
      changes: { title: 'By socket', content: 'new body' },
      updatedNote: { title: 'By socket', content: 'new body' },
      fromUserId: user.userId,
    });
    const listOnly = await sidebar.next();
    expect(listOnly).toMatchObject({ type: 'note_sync', seq: 2, changes: { title: 'By socket' } });
    expect(listOnly.changes).not.toHaveProperty('content');
    expect(listOnly.updatedNote).not.toHaveProperty('content');
    expect(listOnly.updatedNote).toMatchObject({ title: 'By socket', version: 2 });

    // A REST edit.
    const api = apiFor(server, user.headers);
    expect((await api('PATCH', `/api/notes/${note.id}`, { title: 'By REST' })).status).toBe(200);
    expect(await joined.next()).toMatchObject({
      type: 'note_sync',
      seq: 3,
      changes: { title: 'By REST' },
    });
    expect(await sidebar.next()).toMatchObject({ type: 'note_sync', seq: 3 });
    expect(await editor.next()).toMatchObject({ type: 'note_sync', seq: 3 });
    // The editor never received its own change back.
    expect(editor.received.filter((m) => m.type === 'note_sync').map((m) => m.seq)).toEqual([3]);

    // After leave_note only list fields arrive.
    expect(await answer(joined, { type: 'leave_note', noteId: note.id })).toMatchObject({
      type: 'note_left',
    });
    await api('PATCH', `/api/notes/${note.id}`, { content: 'later' });
    const afterLeave = await joined.next();
    expect(afterLeave.updatedNote).not.toHaveProperty('content');
    for (const client of [editor, joined, sidebar]) client.close();
  });

  it("never delivers one user's events to another user", async () => {
    const { user } = await userWithNote();
    const other = await createTestUser(server);
    const watcher = await openAuthed(server.wsUrl, other.accessToken);
    await server.app.context.data.notes.create({ userId: user.userId }, { title: 'not yours' });
    const mine = await server.app.context.data.notes.create(
      { userId: other.userId },
      { title: 'yours' },
    );
    expect(await watcher.next()).toMatchObject({
      type: 'note_created_sync',
      seq: 1,
      noteData: { id: mine.id },
    });
    watcher.close();
  });
});
