import type { Note, NoteChanges } from '@tidings/protocol';
import { and, eq, sql } from 'drizzle-orm';
import { AppError } from '../errors';
import { BatchedLookup } from '../store/batched-lookup';
import { readPrepared } from '../store/prepared-statements';
import type { Queryable, Transaction } from '../store/database';
import { folders, notes } from '../store/schema';
import { notFound, recordId } from './ids';
import { loadTagNames, replaceNoteTags } from './note-tags';
import { listNotes } from './note-list';
import { writeNoteBatch } from './note-batch-writer';
import {
  createNoteUpdateBatcher,
  type NoteUpdateRequest,
  type UpdateResult,
} from './note-update-batcher';
import { findVersion, listVersions, recordVersion, type VersionRecording } from './note-versions';
import { compareCodePoints, type NoteRow, toNote } from './records';
import { type ChangeDeps, type Emit, runChange } from './run-change';
import type { Actor, NoteCreateInput, NotesService } from './services';

export interface NotesDeps extends ChangeDeps {
  /** Edits closer together than this fold into one version-history entry. */
  versionSnapshotIntervalMs: number;
  /** Group commit of note updates (note-update-batcher.ts); defaults: end of tick, 256. */
  noteBatch?: { windowMs: number; maxBatch: number } | undefined;
}

/** Changes that produce a new entry in the version history. */
const BODY_FIELDS = ['title', 'content', 'encryptedTitle', 'encryptedContent'] as const;

export function createNotesService(deps: NotesDeps): NotesService {
  const { db } = deps;

  async function updateAlone({
    actor,
    noteId,
    changes,
    baseVersion,
  }: NoteUpdateRequest): Promise<Note> {
    const { result } = await runChange(deps, actor, async (tx, emit) => {
      const current = await lockNote(tx, actor.userId, noteId);
      if (baseVersion !== undefined && baseVersion !== current.version) {
        const tagNames = (await loadTagNames(tx, [noteId])).get(noteId) ?? [];
        throw new AppError(
          'VERSION_CONFLICT',
          `The note changed on the server (version ${current.version}, yours ${baseVersion}).`,
          { current: toNote(current, tagNames) },
        );
      }
      return applyChanges(tx, emit, actor, current, changes, recordingFor(actor, deps));
    });
    return result;
  }

  const batcher = createNoteUpdateBatcher({
    windowMs: deps.noteBatch?.windowMs ?? 0,
    maxBatch: deps.noteBatch?.maxBatch ?? 256,
    applyBatch: (requests) => writeNoteBatch(deps, requests),
    applyOne: updateAlone,
  });

  /** Title, content and flag edits (typing) are group-committed; tag changes go alone. */
  async function updateWithSeq(
    actor: Actor,
    rawNoteId: string,
    changes: NoteChanges,
    baseVersion?: number,
  ): Promise<UpdateResult> {
    const noteId = recordId(rawNoteId, 'Note');
    const request = { actor, noteId, changes, baseVersion };
    // Submitted before the first await: updates called one after another join the batcher in
    // that order (the WebSocket gateway relies on it to pipeline a connection's updates).
    if (changes.tags === undefined) return batcher.submit(request);
    return { note: await updateAlone(request) };
  }

  async function update(
    actor: Actor,
    rawNoteId: string,
    changes: NoteChanges,
    baseVersion?: number,
  ): Promise<Note> {
    return (await updateWithSeq(actor, rawNoteId, changes, baseVersion)).note;
  }

  // Joins that arrive together (a reconnect storm) read their notes' owners in one statement.
  const owners = new BatchedLookup<string, string>(async (noteIds) => {
    const rows = await readPrepared<{ id: string; user_id: string }>(
      db,
      'tidings_note_owners',
      sql`select id, user_id from notes
        where id = any(string_to_array(${noteIds.join(',')}, ',')::uuid[])`,
    );
    return new Map(rows.map((row) => [row.id, row.user_id]));
  });

  return {
    list: (userId, filter) => listNotes(db, userId, filter),

    async get(userId, rawNoteId) {
      const noteId = recordId(rawNoteId, 'Note');
      const [row] = await db
        .select()
        .from(notes)
        .where(and(eq(notes.id, noteId), eq(notes.userId, userId)));
      if (!row) throw notFound('Note');
      return toNote(row, (await loadTagNames(db, [noteId])).get(noteId) ?? []);
    },

    ownerOf: async (rawNoteId) => owners.get(recordId(rawNoteId, 'Note')),

    async assertOwned(userId, rawNoteId, ownerRead) {
      const owner = await (ownerRead ?? owners.get(recordId(rawNoteId, 'Note')));
      if (owner !== userId) throw notFound('Note');
    },

    async create(actor, input) {
      const { result } = await runChange(deps, actor, (tx, emit) =>
        insertNote(tx, emit, actor, input),
      );
      return result;
    },

    update,
    updateWithSeq,

    async remove(actor, rawNoteId, { permanent }) {
      const noteId = recordId(rawNoteId, 'Note');
      await runChange(deps, actor, async (tx, emit) => {
        const current = await lockNote(tx, actor.userId, noteId);
        if (permanent) {
          await tx.delete(notes).where(eq(notes.id, noteId));
        } else if (!current.deleted) {
          await tx
            .update(notes)
            .set({ deleted: true, version: current.version + 1, updatedAt: new Date() })
            .where(eq(notes.id, noteId));
        } else {
          return; // Already in the trash: nothing changes, nothing is logged.
        }
        emit({ type: 'note_deleted_sync', noteId, permanent });
      });
    },

    async versions(userId, rawNoteId) {
      const noteId = recordId(rawNoteId, 'Note');
      await this.get(userId, noteId);
      return listVersions(db, noteId);
    },

    async revert(actor, rawNoteId, version) {
      const noteId = recordId(rawNoteId, 'Note');
      const { result } = await runChange(deps, actor, async (tx, emit) => {
        const current = await lockNote(tx, actor.userId, noteId);
        const old = await findVersion(tx, noteId, version);
        if (!old) throw notFound('Version');
        const changes: NoteChanges = {
          title: old.title,
          content: old.content,
          encryptedTitle: old.encryptedTitle,
          encryptedContent: old.encryptedContent,
        };
        // A revert always starts a new history entry: the state it replaces stays listed.
        const recording = { ...recordingFor(actor, deps), fresh: true };
        return applyChanges(tx, emit, actor, current, changes, recording);
      });
      return result;
    },
  };
}

/** A connection's edits fold together; without one, the session's. */
function recordingFor(actor: Actor, deps: NotesDeps): VersionRecording {
  return {
    authorKey: actor.originId ?? actor.sessionId,
    intervalMs: deps.versionSnapshotIntervalMs,
  };
}

/** The user's note, locked for this transaction, or NOT_FOUND. */
async function lockNote(tx: Transaction, userId: string, noteId: string): Promise<NoteRow> {
  const [row] = await tx
    .select()
    .from(notes)
    .where(and(eq(notes.id, noteId), eq(notes.userId, userId)))
    .for('update');
  if (!row) throw notFound('Note');
  return row;
}

/** A folder a note points at must be one of the user's own. */
async function assertOwnFolder(
  db: Queryable,
  userId: string,
  folderId: string | null | undefined,
): Promise<void> {
  if (folderId === undefined || folderId === null) return;
  const [row] = await db
    .select({ id: folders.id })
    .from(folders)
    .where(and(eq(folders.id, folderId), eq(folders.userId, userId)));
  if (!row) {
    throw new AppError('VALIDATION_FAILED', 'The folder does not exist.', [
      { path: 'folderId', message: 'not one of your folders' },
    ]);
  }
}

async function insertNote(
  tx: Transaction,
  emit: Emit,
  actor: Actor,
  input: NoteCreateInput,
): Promise<Note> {
  const { userId } = actor;
  const { tags: tagNames, id, ...fields } = input;
  await assertOwnFolder(tx, userId, fields.folderId);
  const inserted = await tx
    .insert(notes)
    .values({ ...fields, ...(id ? { id } : {}), userId })
    .onConflictDoNothing({ target: notes.id })
    .returning();
  const row = inserted[0];
  if (!row) return existingNote(tx, userId, id);
  const storedTags = tagNames ? await replaceNoteTags(tx, userId, row.id, tagNames) : [];
  await recordVersion(tx, row, { authorKey: actor.originId ?? actor.sessionId, intervalMs: 0 });
  const note = toNote(row, storedTags);
  emit({ type: 'note_created_sync', noteData: note });
  return note;
}

/** A create replayed with an id that already exists: the user's note, applied once. */
async function existingNote(
  tx: Transaction,
  userId: string,
  id: string | undefined,
): Promise<Note> {
  const [row] = id
    ? await tx
        .select()
        .from(notes)
        .where(and(eq(notes.id, id), eq(notes.userId, userId)))
    : [];
  if (!row) {
    throw new AppError('VALIDATION_FAILED', 'That note id is already in use.', [
      { path: 'id', message: 'already in use' },
    ]);
  }
  return toNote(row, (await loadTagNames(tx, [row.id])).get(row.id) ?? []);
}

/**
 * Writes the fields that really change, bumps the version once, keeps the version history and
 * emits one note_sync naming exactly the changed fields. A no-op change writes and logs nothing.
 */
async function applyChanges(
  tx: Transaction,
  emit: Emit,
  actor: Actor,
  current: NoteRow,
  changes: NoteChanges,
  recording: VersionRecording,
): Promise<Note> {
  const { userId } = actor;
  const { tags: wantedTags, ...fields } = changes;
  await assertOwnFolder(tx, userId, fields.folderId);
  const currentTags = (await loadTagNames(tx, [current.id])).get(current.id) ?? [];
  const changed: NoteChanges = {};
  for (const [key, value] of Object.entries(fields) as [keyof typeof fields, unknown][]) {
    if (value !== undefined && value !== current[key]) Object.assign(changed, { [key]: value });
  }
  let tagNames = currentTags;
  if (wantedTags !== undefined) {
    tagNames = await replaceNoteTags(tx, userId, current.id, wantedTags);
    if (!sameNames(tagNames, currentTags)) changed.tags = [...tagNames].sort(compareCodePoints);
  }
  if (Object.keys(changed).length === 0) return toNote(current, currentTags);

  const columns: Omit<NoteChanges, 'tags'> = { ...changed };
  delete (columns as NoteChanges).tags;
  const [row] = await tx
    .update(notes)
    .set({ ...columns, version: current.version + 1, updatedAt: new Date() })
    .where(eq(notes.id, current.id))
    .returning();
  const updated = row as NoteRow;
  if (BODY_FIELDS.some((field) => field in changed)) {
    await recordVersion(tx, updated, recording);
  }
  const note = toNote(updated, tagNames);
  emit({ type: 'note_sync', noteId: note.id, changes: changed, updatedNote: note });
  return note;
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  const left = new Set(a.map((name) => name.toLowerCase()));
  return a.length === b.length && b.every((name) => left.has(name.toLowerCase()));
}
