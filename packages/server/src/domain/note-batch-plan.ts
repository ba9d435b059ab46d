import type { NoteChanges, PendingSyncEvent } from '@tidings/protocol';
import { AppError } from '../errors';
import { notFound } from './ids';
import type { NoteUpdateRequest, UpdateOutcome } from './note-update-batcher';
import { type NoteRow, toNote } from './records';

/** Changes that produce a new entry in the version history. */
const BODY_FIELDS = ['title', 'content', 'encryptedTitle', 'encryptedContent'] as const;

/** One request that really changes its note: its row afterwards and its event. */
export interface AppliedUpdate {
  request: NoteUpdateRequest;
  /** The request's position in the batch (and in the outcomes). */
  index: number;
  row: NoteRow;
  bodyChanged: boolean;
  event: PendingSyncEvent;
}

export interface BatchPlan {
  /** In request order; failed items carry their own error. */
  outcomes: UpdateOutcome[];
  /** In request order: several updates of one note follow each other, version +1 each. */
  applied: AppliedUpdate[];
  /** Each changed note's row after the whole batch: what one UPDATE writes. */
  finalRows: NoteRow[];
}

export interface BatchFacts {
  /** The locked rows of the notes the batch names that belong to the batch's users. */
  rows: readonly NoteRow[];
  /** Owner of each folder the batch names that exists. */
  folderOwners: ReadonlyMap<string, string>;
  tagNames: ReadonlyMap<string, string[]>;
  now: Date;
}

/**
 * Runs the checks of a single update for every request, in arrival order, against the notes as
 * the earlier requests of the batch leave them: the same answers as one transaction each.
 */
export function planBatch(requests: readonly NoteUpdateRequest[], facts: BatchFacts): BatchPlan {
  const current = new Map(facts.rows.map((row) => [row.id, row]));
  const outcomes: UpdateOutcome[] = [];
  const applied: AppliedUpdate[] = [];
  const changedIds = new Set<string>();
  for (const [index, request] of requests.entries()) {
    try {
      const note = current.get(request.noteId);
      if (!note || note.userId !== request.actor.userId) throw notFound('Note');
      const tags = facts.tagNames.get(note.id) ?? [];
      checkBaseVersion(note, request.baseVersion, tags);
      checkFolder(facts.folderOwners, request);
      const changed = changedFields(note, request.changes);
      if (Object.keys(changed).length === 0) {
        outcomes.push({ ok: true, note: toNote(note, tags) });
        continue;
      }
      const row: NoteRow = { ...note, ...changed, version: note.version + 1, updatedAt: facts.now };
      current.set(row.id, row);
      changedIds.add(row.id);
      const updatedNote = toNote(row, tags);
      const bodyChanged = BODY_FIELDS.some((field) => field in changed);
      const event: PendingSyncEvent = {
        type: 'note_sync',
        noteId: row.id,
        changes: changed,
        updatedNote,
      };
      applied.push({ request, index, row, bodyChanged, event });
      outcomes.push({ ok: true, note: updatedNote });
    } catch (error) {
      outcomes.push({ ok: false, error });
    }
  }
  const finalRows = [...changedIds].map((id) => current.get(id) as NoteRow);
  return { outcomes, applied, finalRows };
}

function checkBaseVersion(note: NoteRow, baseVersion: number | undefined, tags: string[]): void {
  if (baseVersion === undefined || baseVersion === note.version) return;
  throw new AppError(
    'VERSION_CONFLICT',
    `The note changed on the server (version ${note.version}, yours ${baseVersion}).`,
    { current: toNote(note, tags) },
  );
}

/** A folder a note points at must be one of the user's own. */
function checkFolder(folderOwners: ReadonlyMap<string, string>, request: NoteUpdateRequest): void {
  const { folderId } = request.changes;
  if (folderId === undefined || folderId === null) return;
  if (folderOwners.get(folderId.toLowerCase()) === request.actor.userId) return;
  throw new AppError('VALIDATION_FAILED', 'The folder does not exist.', [
    { path: 'folderId', message: 'not one of your folders' },
  ]);
}

/** Only the fields that really differ: a no-op update writes and logs nothing. */
function changedFields(note: NoteRow, changes: NoteChanges): Omit<NoteChanges, 'tags'> {
  const changed: Omit<NoteChanges, 'tags'> = {};
  const fields: Omit<NoteChanges, 'tags'> = { ...changes };
  delete (fields as NoteChanges).tags;
  // Stored uuids are lower-case: compare (and return) the folder id the way it is stored.
  if (typeof fields.folderId === 'string') fields.folderId = fields.folderId.toLowerCase();
  for (const [key, value] of Object.entries(fields) as [keyof typeof fields, unknown][]) {
    if (value !== undefined && value !== note[key]) Object.assign(changed, { [key]: value });
  }
  return changed;
}
