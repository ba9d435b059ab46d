import type { SyncEvent } from '@tidings/protocol';

/**
 * How an event is kept in the change log's `payload` column: the event without its type and
 * seq (the row's own columns), except that a note body a `note_sync` carries twice, in
 * `changes` and in `updatedNote`, is stored once. The body is most of an edit's bytes: stored
 * twice, a lone update of a 20 KB note took about a quarter longer and its log entry twice the
 * space (bench/src/data-layer.ts with 20 KB notes). Rows written by SQL outside Tidings
 * (migration 0001) keep both copies; both forms read back the same.
 */

/** The `changes` fields whose value, when equal, is kept only in `updatedNote`. */
const BODY_FIELDS = ['content', 'encryptedContent'] as const;
/** Lists the `changes` fields stored only in `updatedNote`; never leaves the log. */
const FROM_NOTE = 'changesFromNote';

type Payload = Record<string, unknown>;

/** The payload to store for an event's fields (everything but type and seq). */
export function toStoredPayload(payload: Payload): Payload {
  const { changes, updatedNote } = payload;
  if (!isRecord(changes) || !isRecord(updatedNote)) return payload;
  const fromNote = BODY_FIELDS.filter(
    (field) => typeof changes[field] === 'string' && changes[field] === updatedNote[field],
  );
  if (fromNote.length === 0) return payload;
  const kept = { ...changes };
  for (const field of fromNote) delete kept[field];
  return { ...payload, changes: kept, [FROM_NOTE]: fromNote };
}

/** The event a change-log row holds, whichever way its payload was stored. */
export function eventFromStored(type: string, seq: number, payload: unknown): SyncEvent {
  const { [FROM_NOTE]: fromNote, ...rest } = payload as Payload;
  const event = { ...rest, type, seq } as Payload;
  if (Array.isArray(fromNote) && isRecord(event.changes) && isRecord(event.updatedNote)) {
    const changes = { ...event.changes };
    for (const field of fromNote as string[]) changes[field] = event.updatedNote[field];
    event.changes = changes;
  }
  return event as unknown as SyncEvent;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
