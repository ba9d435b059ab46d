import { describe, expect, it } from 'vitest';
import { eventFromStored, toStoredPayload } from '../../src/sync/change-log-payload';

const body = 'a long note body '.repeat(1_000);
const note = { id: 'n1', title: 'Plan', content: body, encryptedContent: null, version: 8 };

/** A note_sync's fields as the change log receives them (no type, no seq). */
function noteSync(changes: Record<string, unknown>, updatedNote: Record<string, unknown> = note) {
  return { noteId: 'n1', changes, updatedNote, timestamp: 1, fromUserId: 'u1' };
}

describe('change-log payloads', () => {
  it('keeps a body that changes and updatedNote both carry once, and reads the event back whole', () => {
    const fields = noteSync({ title: 'Plan', content: body });
    const stored = toStoredPayload(fields);

    expect(stored.changes).toEqual({ title: 'Plan' });
    expect(JSON.stringify(stored).length).toBeLessThan(JSON.stringify(fields).length * 0.6);
    const event = eventFromStored('note_sync', 43, JSON.parse(JSON.stringify(stored)));
    expect(event).toEqual({ ...fields, type: 'note_sync', seq: 43 });
    expect(event).not.toHaveProperty('changesFromNote');
  });

  it('does the same for an encrypted body, and leaves every other field as it is', () => {
    const sealed = { ...note, content: '', encryptedContent: 'c2VhbGVk'.repeat(500) };
    const fields = noteSync({ encryptedContent: sealed.encryptedContent, starred: true }, sealed);
    const stored = toStoredPayload(fields);

    expect(stored.changes).toEqual({ starred: true });
    expect(eventFromStored('note_sync', 1, stored)).toEqual({
      ...fields,
      type: 'note_sync',
      seq: 1,
    });
  });

  it('stores as they are: a body that differs from the note, and events without a note', () => {
    const differing = noteSync({ content: 'not what the note says' });
    expect(toStoredPayload(differing)).toEqual(differing);
    const created = { noteData: note, timestamp: 1, fromUserId: 'u1' };
    expect(toStoredPayload(created)).toEqual(created);
    const titleOnly = noteSync({ title: 'Plan' });
    expect(toStoredPayload(titleOnly)).toEqual(titleOnly);
  });

  it('reads rows written with both copies (by SQL outside Tidings) unchanged', () => {
    const fields = noteSync({ content: body });
    expect(eventFromStored('note_sync', 7, fields)).toEqual({
      ...fields,
      type: 'note_sync',
      seq: 7,
    });
  });
});
