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
  const send: OutboxSender = async (entry) => {
    if (!reachable) throw new TidingsError('NETWORK_ERROR', 'offline');
    received.push(structuredClone(entry));
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
});
