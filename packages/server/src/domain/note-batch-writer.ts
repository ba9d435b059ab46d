import type { SyncEvent } from '@tidings/protocol';
import { inBatchTransaction } from '../store/batch-transaction';
import { planBatchChangeLog } from './batch-change-log';
import { planBatchHistory } from './note-batch-history';
import { type AppliedUpdate, planBatch } from './note-batch-plan';
import { readBatch, writeBatch } from './note-batch-statements';
import type { NoteUpdateRequest, UpdateOutcome } from './note-update-batcher';
import type { NotesDeps } from './notes-service';

/**
 * Applies a batch of note updates from any users in ONE transaction of four statements (BEGIN,
 * one read, one write, COMMIT; note-batch-statements.ts), two round trips on Postgres
 * (store/batch-transaction.ts), whatever the batch size, with the guarantees of one
 * `runChange` per update: ownership, baseVersion and folder checks per item,
 * version history, consecutive seqs per user in commit order in the change log, and publishing
 * only after commit, each event with the connection it came from so it is not echoed back.
 */
export async function writeNoteBatch(
  deps: NotesDeps,
  requests: readonly NoteUpdateRequest[],
): Promise<UpdateOutcome[]> {
  const now = new Date();
  const noteIds = [...new Set(requests.map((request) => request.noteId))];
  const userIds = [...new Set(requests.map((request) => request.actor.userId))];
  const folderIds = new Set<string>();
  for (const { changes } of requests) {
    if (typeof changes.folderId === 'string') folderIds.add(changes.folderId.toLowerCase());
  }
  const { outcomes, applied, events } = await inBatchTransaction(deps.db, async (statements) => {
    let read = await readBatch(statements.read, noteIds, userIds, [...folderIds]);
    // A row changed while the read waited for its lock: read again under the locks now held.
    // Rows already locked cannot change, so each pass can only be stale on rows it did not
    // hold yet (a note that appeared meanwhile): this ends within one pass per note.
    while (read.stale) read = await readBatch(statements.read, noteIds, userIds, [...folderIds]);
    const plan = planBatch(requests, { ...read, now });
    if (plan.applied.length === 0) return { ...plan, events: [] };
    const history = planBatchHistory(
      plan.applied
        .filter((item) => item.bodyChanged)
        .map(({ row, request }) => ({ row, authorKey: authorKeyOf(request) })),
      read.latestEntries,
      deps.versionSnapshotIntervalMs,
      now,
    );
    const log = planBatchChangeLog(
      plan.applied.map(({ request, event }) => ({ userId: request.actor.userId, event })),
      now,
    );
    const seqBefore = await writeBatch(statements.write, {
      rows: plan.finalRows,
      history,
      counts: log.counts,
      entries: log.entries,
      now,
    });
    return { ...plan, events: log.withSeqs(seqBefore) };
  });
  // Each change's seq goes back with its outcome: a connection's replies carry their own seq
  // even when several of its updates share this batch (and one publish).
  applied.forEach((item, position) => {
    const outcome = outcomes[item.index];
    const event = events[position];
    if (outcome?.ok && event) outcome.seq = event.seq;
  });
  publish(deps, applied, events, outcomes);
  return outcomes;
}

/** A connection's edits fold together in the history; without one, the session's. */
function authorKeyOf(request: NoteUpdateRequest): string | undefined {
  return request.actor.originId ?? request.actor.sessionId;
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
