import {
  LIST_VISIBLE_NOTE_FIELDS,
  type Note,
  type NoteChanges,
  type NoteSyncEvent,
  type SyncEvent,
} from '@tidings/protocol';

/**
 * How a connection sees an event: `full`, or `list` for a `note_sync` of a note it has not
 * joined (only what a notes list shows: no content, in `updatedNote` nor in `changes`).
 */
export type EventVariant = 'full' | 'list';

/** Fields never sent to a connection that has not joined the note. */
const BODY_FIELDS = ['content', 'encryptedContent'] as const;

/**
 * One event fans out to every live connection of its user. With the in-process hub they all
 * receive the same event object, so each variant is serialized once and the string reused.
 */
const encoded = new WeakMap<SyncEvent, Partial<Record<EventVariant, string>>>();
/** The same, as UTF-8 bytes: `ws` would otherwise encode the string again for every socket. */
const encodedBytes = new WeakMap<SyncEvent, Partial<Record<EventVariant, Buffer>>>();

export function variantFor(event: SyncEvent, joinedNotes: ReadonlySet<string>): EventVariant {
  return event.type === 'note_sync' && !joinedNotes.has(event.noteId) ? 'list' : 'full';
}

export function encodeEvent(event: SyncEvent, variant: EventVariant): string {
  let cache = encoded.get(event);
  if (!cache) {
    cache = {};
    encoded.set(event, cache);
  }
  let text = cache[variant];
  if (text === undefined) {
    text = JSON.stringify(variant === 'list' ? listView(event as NoteSyncEvent) : event);
    cache[variant] = text;
  }
  return text;
}

function listView(event: NoteSyncEvent): NoteSyncEvent {
  const note = event.updatedNote as Partial<Note>;
  const updatedNote: Partial<Note> = {};
  for (const field of LIST_VISIBLE_NOTE_FIELDS) {
    if (field in note) (updatedNote as Record<string, unknown>)[field] = note[field];
  }
  const changes: NoteChanges = { ...event.changes };
  for (const field of BODY_FIELDS) delete changes[field];
  return { ...event, changes, updatedNote };
}

export function encodeEventBytes(event: SyncEvent, variant: EventVariant): Buffer {
  let cache = encodedBytes.get(event);
  if (!cache) {
    cache = {};
    encodedBytes.set(event, cache);
  }
  let bytes = cache[variant];
  if (bytes === undefined) {
    bytes = Buffer.from(encodeEvent(event, variant));
    cache[variant] = bytes;
  }
  return bytes;
}
