import type { Note } from '@tidings/protocol';
import { describe, expect, it } from 'vitest';
import { TidingsError } from '../src/errors';
import { type Conflict, Outbox, type OutboxSender } from '../src/offline/outbox';
import { memoryOutboxStore, type OutboxEntry } from '../src/offline/outbox-store';

function note(overrides: Partial<Note> = {}): Note {
  return {
    id: 'n1',
    folderId: null,
    title: 'Title',
    content: '',
    encryptedTitle: null,
    encryptedContent: null,
    starred: false,
    archived: false,
    deleted: false,
    hidden: false,
    tags: [],
    version: 1,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** A stand-in for the server's note table: versions, conflicts, and an off switch. */
function fakeServer() {
  const notes = new Map<string, Note>([['n1', note()]]);
  const received: OutboxEntry[] = [];
  let reachable = true;
  let loseNextAnswer = false;
  const send: OutboxSender = async (entry) => {
    if (!reachable) throw new TidingsError('NETWORK_ERROR', 'offline');
    received.push(structuredClone(entry));
    if (entry.kind === 'create-folder' && entry.folder) {
      const folder = {
        id: entry.noteId,
        ...entry.folder,
        sortOrder: 0,
        createdAt: '2026-01-01T00:00:00.000Z',
        updatedAt: '2026-01-01T00:00:00.000Z',
      };
      return { status: 'folder-created', folder };
    }
    if (entry.kind === 'create') {
      // Like POST /api/notes with an id: a second create of the same id returns the note.
      const existing = notes.get(entry.noteId);
      const created = existing ?? note({ ...entry.changes, id: entry.noteId, version: 1 });
      notes.set(entry.noteId, created);
      if (loseNextAnswer) {
        loseNextAnswer = false;
        throw new TidingsError('NETWORK_ERROR', 'answer lost');
      }
      return { status: 'applied', note: created };
    }
    const current = notes.get(entry.noteId);
    if (!current) throw new TidingsError('NOT_FOUND', 'Not found.', 404);
    if (current.version !== entry.baseVersion) return { status: 'conflict', serverNote: current };
    const next = { ...current, ...entry.changes, version: current.version + 1 };
    notes.set(entry.noteId, next);
    return { status: 'applied', note: next };
  };
  return {
    notes,
    received,
    send,
    setReachable: (value: boolean) => {
      reachable = value;
    },
    loseNextAnswer: () => {
      loseNextAnswer = true;
    },
  };
}

let ids = 0;
const newId = () => `msg-${++ids}`;

describe('Outbox', () => {
  it('keeps edits made offline, merged per note, and replays them once when back', async () => {
    const server = fakeServer();
    server.setReachable(false);
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    await outbox.enqueue('n1', { title: 'A' }, 1);
    await outbox.enqueue('n1', { content: 'typed offline' }, 1);
    await outbox.flush();
    expect(await outbox.pending()).toHaveLength(1);

    server.setReachable(true);
    await outbox.flush();
    expect(server.received).toHaveLength(1);
    expect(server.received[0]?.changes).toEqual({ title: 'A', content: 'typed offline' });
    expect(server.notes.get('n1')).toMatchObject({
      title: 'A',
      content: 'typed offline',
      version: 2,
    });
    expect(await outbox.pending()).toEqual([]);
  });

  it('survives a restart through its store, in order', async () => {
    const server = fakeServer();
    server.notes.set('n2', note({ id: 'n2' }));
    server.setReachable(false);
    const store = memoryOutboxStore();
    const first = new Outbox(store, server.send, newId);
    await first.enqueue('n2', { title: 'second note' }, 1);
    await first.enqueue('n1', { title: 'first note' }, 1);

    server.setReachable(true);
    const second = new Outbox(store, server.send, newId);
    await second.flush();
    expect(server.received.map((entry) => entry.noteId)).toEqual(['n2', 'n1']);
  });

  it('rebases later edits of a note on the version its own earlier edit produced', async () => {
    const server = fakeServer();
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    await outbox.enqueue('n1', { title: 'one' }, 1);
    const flushing = outbox.flush();
    // Typed while the first save is in flight: a new entry, based on the old version.
    await outbox.enqueue('n1', { title: 'two' }, 1);
    await flushing;
    await outbox.flush();
    expect(server.notes.get('n1')).toMatchObject({ title: 'two', version: 3 });
  });

  it('surfaces a change made elsewhere as a conflict with both versions, not an overwrite', async () => {
    const server = fakeServer();
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    const conflicts: Conflict[] = [];
    outbox.on('conflict', (conflict) => conflicts.push(conflict));
    server.notes.set('n1', note({ title: 'changed elsewhere', version: 2 }));

    await outbox.enqueue('n1', { title: 'changed here' }, 1);
    await outbox.flush();
    expect(server.notes.get('n1')?.title).toBe('changed elsewhere');
    expect(conflicts).toEqual([
      {
        noteId: 'n1',
        local: { title: 'changed here' },
        baseVersion: 1,
        server: expect.objectContaining({ title: 'changed elsewhere', version: 2 }),
      },
    ]);
    expect(await outbox.pending()).toEqual([]);
  });

  it('treats a resend whose first answer was lost as applied, not as a conflict', async () => {
    const server = fakeServer();
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    const conflicts: Conflict[] = [];
    outbox.on('conflict', (conflict) => conflicts.push(conflict));
    // The server applied our change but the response never arrived.
    server.notes.set('n1', note({ title: 'mine', version: 2 }));
    await outbox.enqueue('n1', { title: 'mine' }, 1);
    await outbox.flush();
    expect(conflicts).toEqual([]);
    expect(await outbox.pending()).toEqual([]);
  });

  it('drops a change the server refuses for good and reports it', async () => {
    const server = fakeServer();
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    const failed: string[] = [];
    outbox.on('failed', ({ error }) => failed.push(error.code));
    await outbox.enqueue('gone', { title: 'x' }, 1);
    await outbox.enqueue('n1', { title: 'still sent' }, 1);
    await outbox.flush();
    expect(failed).toEqual(['NOT_FOUND']);
    expect(server.notes.get('n1')?.title).toBe('still sent');
  });

  it('creates a note made offline once, with the edits typed after it joined in', async () => {
    const server = fakeServer();
    server.setReachable(false);
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    await outbox.enqueueCreate('new', { title: '', content: '' });
    await outbox.enqueue('new', { title: 'Made offline' }, 0);
    await outbox.enqueue('new', { content: 'final' }, 0);
    expect(await outbox.pendingCreates()).toEqual(['new']);
    await outbox.flush();

    server.setReachable(true);
    await outbox.flush();
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({
      kind: 'create',
      changes: { title: 'Made offline', content: 'final' },
    });
    expect(server.notes.get('new')).toMatchObject({ content: 'final', version: 1 });
    expect(await outbox.pendingCreates()).toEqual([]);
  });

  it('sends edits typed while the create is in flight after it, on the created version', async () => {
    const server = fakeServer();
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    await outbox.enqueueCreate('new', { title: 'one' });
    const flushing = outbox.flush();
    await outbox.enqueue('new', { title: 'two' }, 0);
    await flushing;
    await outbox.flush();
    expect(server.received.map((entry) => entry.kind ?? 'update')).toEqual(['create', 'update']);
    expect(server.notes.get('new')).toMatchObject({ title: 'two', version: 2 });
  });

  it('resends a create whose answer was lost and gets the same note, applied once', async () => {
    const server = fakeServer();
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    const applied: number[] = [];
    outbox.on('applied', ({ note: created }) => applied.push(created.version));
    server.loseNextAnswer();
    await outbox.enqueueCreate('new', { title: 'once' });
    await outbox.flush();
    expect(await outbox.pendingCreates()).toEqual(['new']);
    await outbox.flush();
    expect(server.received).toHaveLength(2);
    expect(server.received[0]?.clientMsgId).toBe(server.received[1]?.clientMsgId);
    expect(applied).toEqual([1]);
    expect(await outbox.pending()).toEqual([]);
  });

  it('drops the later edits of a note whose create the server refused', async () => {
    const server = fakeServer();
    const refusing: OutboxSender = async (entry) => {
      if (entry.kind === 'create') throw new TidingsError('VALIDATION_FAILED', 'Bad.', 400);
      return server.send(entry);
    };
    const outbox = new Outbox(memoryOutboxStore(), refusing, newId);
    const failed: string[] = [];
    outbox.on('failed', ({ error }) => failed.push(error.code));
    await outbox.enqueueCreate('new', { title: 'x' });
    const flushing = outbox.flush();
    await outbox.enqueue('new', { title: 'y' }, 0);
    await flushing;
    await outbox.flush();
    expect(failed).toEqual(['VALIDATION_FAILED']);
    expect(await outbox.pending()).toEqual([]);
  });

  it('creates a folder made offline before the note made in it, in order', async () => {
    const server = fakeServer();
    server.setReachable(false);
    const outbox = new Outbox(memoryOutboxStore(), server.send, newId);
    const folders: string[] = [];
    outbox.on('folderCreated', ({ folder }) => folders.push(folder.name));
    await outbox.enqueueFolderCreate('f1', { name: 'Offline folder', parentId: null });
    await outbox.enqueueCreate('new', { title: 'Inside', folderId: 'f1' });
    await outbox.flush();
    server.setReachable(true);
    await outbox.flush();
    expect(server.received.map((entry) => entry.kind)).toEqual(['create-folder', 'create']);
    expect(folders).toEqual(['Offline folder']);
    expect(server.notes.get('new')).toMatchObject({ folderId: 'f1' });
    expect(await outbox.pending()).toEqual([]);
  });
  /** A short backoff, so a test waits tens of milliseconds for a retry, not seconds. */
  const quickRetry = { minDelayMs: 10, maxDelayMs: 40 };

  /** A sender that throws `code` on its first `failures` calls, then is the fake server's. */
  function failingFirst(code: string, failures: number) {
    const server = fakeServer();
    let calls = 0;
    const send: OutboxSender = async (entry) => {
      calls += 1;
      if (calls <= failures) throw new TidingsError(code as TidingsError['code'], 'for a moment');
      return server.send(entry);
    };
    return { server, send, calls: () => calls };
  }

  it('tries again by itself after the server or the network failed, with no reconnect', async () => {
    const { server, send, calls } = failingFirst('DB_UNAVAILABLE', 2);
    const outbox = new Outbox(memoryOutboxStore(), send, newId, quickRetry);
    await outbox.enqueue('n1', { title: 'Saved while the database restarted' }, 1);
    await outbox.flush();
    expect(await outbox.pending()).toHaveLength(1);

    await expect.poll(() => outbox.pending(), { timeout: 2_000 }).toEqual([]);
    expect(calls()).toBe(3);
    expect(server.received).toHaveLength(1);
    expect(server.notes.get('n1')?.title).toBe('Saved while the database restarted');
  });

  it('leaves a change refused for the session to the next connection, without retrying', async () => {
    const { send, calls } = failingFirst('SIGNED_OUT', Infinity);
    const outbox = new Outbox(memoryOutboxStore(), send, newId, quickRetry);
    await outbox.enqueue('n1', { title: 'Waits for sign-in' }, 1);
    await outbox.flush();
    // Several times the longest retry delay: nothing asked again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls()).toBe(1);
    expect(await outbox.pending()).toHaveLength(1);
  });

  it('stops retrying once released', async () => {
    const { send, calls } = failingFirst('NETWORK_ERROR', Infinity);
    const outbox = new Outbox(memoryOutboxStore(), send, newId, quickRetry);
    await outbox.enqueue('n1', { title: 'Left behind' }, 1);
    await outbox.flush();
    outbox.cancelRetry();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(calls()).toBe(1);
  });
});
