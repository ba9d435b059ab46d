import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refuseNotesTitled } from '../helpers/refusing-trigger';
import { startTestServer, type TestServer } from '../helpers/test-server';
import { createTestUserWithNote } from '../helpers/test-user';
import { openAuthed } from '../helpers/ws-client';

// Postgres' class 53 ("insufficient resources"): the statement is sound, the server is short of
// room. The client should come back later, as it does when the database cannot be reached.
describe('a database out of room (disk full)', () => {
  let server: TestServer;
  let removeTrigger: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    server = await startTestServer();
    removeTrigger = await refuseNotesTitled(
      server,
      'no room',
      'disk_full',
      'could not extend file: No space left on device',
    );
  });
  afterAll(async () => {
    await removeTrigger?.();
    await server.close();
  });

  it('answers a REST write with 503 DB_UNAVAILABLE and Retry-After, not a 500', async () => {
    const { user, note } = await createTestUserWithNote(server, { title: 'kept', content: 'x' });
    const response = await fetch(`${server.url}/api/notes/${note.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'no room' }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    const body = (await response.json()) as { error: { code: string } };
    expect(body.error.code).toBe('DB_UNAVAILABLE');
  });

  it('answers a WebSocket update with DB_UNAVAILABLE, which clients retry, and saves nothing', async () => {
    const { user, note } = await createTestUserWithNote(server, { title: 'kept', content: 'x' });
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const retitle = (title: string, clientMsgId: string) =>
      client.send({ type: 'note_update', noteId: note.id, changes: { title }, clientMsgId });
    try {
      retitle('no room', 'm1');
      const reply = await client.nextOfType('error');
      expect(reply).toMatchObject({ code: 'DB_UNAVAILABLE', clientMsgId: 'm1' });
      // The connection stays usable: the next write, once there is room, goes through.
      retitle('room again', 'm2');
      const saved = await client.nextOfType('note_update_success');
      expect(saved).toMatchObject({ clientMsgId: 'm2' });
    } finally {
      client.close();
    }
    const stored = await server.app.context.data.notes.get(user.userId, note.id);
    expect(stored.title).toBe('room again');
    expect(stored.version).toBe(note.version + 1);
  });
});
