import type { SyncEvent } from '@tidings/protocol';
import { and, asc, inArray, sql } from 'drizzle-orm';
import type { Transaction } from '../store/database';
import { folders, notes } from '../store/schema';
import { appendBatchToChangeLog } from './batch-change-log';
import { recordBatchVersions } from './note-batch-history';
import { type AppliedUpdate, planBatch } from './note-batch-plan';
import { loadTagNames } from './note-tags';
import type { NoteUpdateRequest, UpdateOutcome } from './note-update-batcher';
import type { NoteRow } from './records';
import type { NotesDeps } from './notes-service';

/**
 * Applies a batch of note updates from any users in ONE transaction of set-based statements
 * (about eight, whatever the batch size), with the guarantees of one `runChange` per update:
 * ownership, baseVersion and folder checks per item, version history, consecutive seqs per
 * user in commit order in the change log, and publishing only after commit, each event with
 * the connection it came from so it is not echoed back.
 */
export async function writeNoteBatch(
  deps: NotesDeps,
  requests: readonly NoteUpdateRequest[],
): Promise<UpdateOutcome[]> {
  const now = new Date();
  const { outcomes, applied, events } = await deps.db.transaction(async (tx) => {
    // Tells the outside-writer triggers (migration 0001) that Tidings logs this change itself.
    await tx.execute(sql`select set_config('tidings.app_write', 'on', true)`);
    const noteIds = [...new Set(requests.map((request) => request.noteId))];
    const userIds = [...new Set(requests.map((request) => request.actor.userId))];
    // Locked in id order: two transactions locking several notes never deadlock. Only notes of
    // the batch's users: a foreign id is NOT_FOUND and never locks another user's note.
    const rows = await tx
      .select()
      .from(notes)
      .where(and(inArray(notes.id, noteIds), inArray(notes.userId, userIds)))
      .orderBy(asc(notes.id))
      .for('update');
    const plan = planBatch(requests, {
      rows,
      folderOwners: await loadFolderOwners(tx, requests),
      tagNames: await loadTagNames(
        tx,
        rows.map((row) => row.id),
      ),
      now,
    });
    if (plan.applied.length === 0) return { ...plan, events: [] };
    await writeRows(tx, plan.finalRows);
    await recordBatchVersions(
      tx,
      plan.applied
        .filter((item) => item.bodyChanged)
        .map(({ row, request }) => ({ row, authorKey: authorKeyOf(request) })),
      deps.versionSnapshotIntervalMs,
      now,
    );
    const events = await appendBatchToChangeLog(
      tx,
      plan.applied.map(({ request, event }) => ({ userId: request.actor.userId, event })),
      now,
    );
    return { ...plan, events };
  });
  publish(deps, applied, events, outcomes);
  return outcomes;
}

/** A connection's edits fold together in the history; without one, the session's. */
function authorKeyOf(request: NoteUpdateRequest): string | undefined {
  return request.actor.originId ?? request.actor.sessionId;
}

/** Owner of every folder the batch moves a note into (ownership is checked per item). */
async function loadFolderOwners(
  tx: Transaction,
  requests: readonly NoteUpdateRequest[],
): Promise<Map<string, string>> {
  const ids = new Set<string>();
  for (const { changes } of requests) {
    if (typeof changes.folderId === 'string') ids.add(changes.folderId.toLowerCase());
  }
  if (ids.size === 0) return new Map();
  const rows = await tx
    .select({ id: folders.id, userId: folders.userId })
    .from(folders)
    .where(inArray(folders.id, [...ids]));
  return new Map(rows.map((row) => [row.id, row.userId]));
}

/** One UPDATE writes every changed note's final row. */
async function writeRows(tx: Transaction, rows: readonly NoteRow[]): Promise<void> {
  const values = rows.map(
    (row) => sql`(${row.id}::uuid, ${row.folderId}::uuid, ${row.title}::text,
      ${row.content}::text, ${row.encryptedTitle}::text, ${row.encryptedContent}::text,
      ${row.starred}::boolean, ${row.archived}::boolean, ${row.deleted}::boolean,
      ${row.hidden}::boolean, ${row.version}::int, ${row.updatedAt.toISOString()}::timestamptz)`,
  );
  await tx.execute(sql`
    update notes set folder_id = v.folder_id, title = v.title, content = v.content,
      encrypted_title = v.encrypted_title, encrypted_content = v.encrypted_content,
      starred = v.starred, archived = v.archived, deleted = v.deleted, hidden = v.hidden,
      version = v.version, updated_at = v.updated_at
    from (values ${sql.join(values, sql`, `)})
      as v(id, folder_id, title, content, encrypted_title, encrypted_content, starred, archived,
        deleted, hidden, version, updated_at)
    where notes.id = v.id`);
}

/**
 * After commit: each user's events in seq order. Consecutive events of one user from one
 * connection go out together; every event keeps its own origin, so no sender gets an echo.
 * A publish that throws fails only its own writes, as it would after `runChange`: the batch
 * must not be retried, it is committed.
 */
function publish(
  deps: NotesDeps,
  applied: readonly AppliedUpdate[],
  events: SyncEvent[],
  outcomes: UpdateOutcome[],
): void {
  let start = 0;
  for (let index = 1; index <= applied.length; index += 1) {
    const first = applied[start]?.request.actor;
    const next = applied[index]?.request.actor;
    if (next && first && next.userId === first.userId && next.originId === first.originId) {
      continue;
    }
    try {
      if (first) deps.hub.publish(first.userId, events.slice(start, index), first.originId);
    } catch (error) {
      for (const item of applied.slice(start, index)) outcomes[item.index] = { ok: false, error };
    }
    start = index;
  }
}
