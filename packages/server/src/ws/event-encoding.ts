import {
  LIST_VISIBLE_NOTE_FIELDS,
  type Note,
  type NoteChanges,
  type NoteSyncEvent,
  type SyncEvent,
} from '@tidings/protocol';
import { hasJoined, type JoinedNotes } from './joined-notes';
import { textFrame } from './wire-frame';

/**
 * How a connection sees an event: `full`, or `list` for a `note_sync` of a note it has not
 * joined (only what a notes list shows: no content, in `updatedNote` nor in `changes`).
 */
export type EventVariant = 'full' | 'list';

/** Fields never sent to a connection that has not joined the note. */
const BODY_FIELDS = ['content', 'encryptedContent'] as const;

/** Encodings of one event, each made once and shared by every connection it fans out to. */
interface Encodings {
  text: Partial<Record<EventVariant, string>>;
  /** As a whole frame (wire-frame.ts): `ws` would otherwise encode it again for every socket. */
  frames: Partial<Record<EventVariant, Buffer>>;
}

/**
 * One event fans out to every live connection of its user. With the in-process hub they all
 * receive the same event object, so each variant is serialized once and the result reused.
 */
const encoded = new WeakMap<SyncEvent, Encodings>();

export function variantFor(event: SyncEvent, joinedNotes: JoinedNotes): EventVariant {
  return event.type === 'note_sync' && !hasJoined(joinedNotes, event.noteId) ? 'list' : 'full';
}

export function encodeEvent(event: SyncEvent, variant: EventVariant): string {
  const cache = encodingsOf(event).text;
  return (cache[variant] ??= JSON.stringify(
    variant === 'list' ? listView(event as NoteSyncEvent) : event,
  ));
}

/** The event as a frame of its own, for connections that did not opt in to batched frames. */
export function encodeEventFrame(event: SyncEvent, variant: EventVariant): Buffer {
  const cache = encodingsOf(event).frames;
  return (cache[variant] ??= textFrame(encodeEvent(event, variant)));
}

function encodingsOf(event: SyncEvent): Encodings {
  let encodings = encoded.get(event);
  if (!encodings) {
    encodings = { text: {}, frames: {} };
    encoded.set(event, encodings);
  }
  return encodings;
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
