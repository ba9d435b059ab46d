import type { NoteRow } from './records';

/** A body change of a batch, in arrival order, and who made it. */
export interface BodyChange {
  row: NoteRow;
  authorKey: string | undefined;
}

/** A note's newest version-history entry, as the batch's read found it. */
export interface LatestEntry {
  version: number;
  createdAt: Date;
  authorKey: string | null;
}

/** A history entry as the batch writes it: the note's body at `version`, and its writer. */
export interface HistoryEntry {
  noteId: string;
  version: number;
  title: string;
  content: string;
  encryptedTitle: string | null;
  encryptedContent: string | null;
  authorKey: string | null;
}

export interface HistoryWrites {
  /** Stored entries (found by their version before) that take a newer body and version. */
  folds: (HistoryEntry & { fromVersion: number })[];
  /** New entries, created now. */
  inserts: HistoryEntry[];
}

/**
 * The version history of a whole batch with the rules of `recordVersion` (note-versions.ts):
 * an edit folds into its note's latest entry only when the same writer made that entry less
 * than `intervalMs` ago; anyone else's edit starts a new entry. Reverts never come here, so no
 * entry is forced fresh. Pure: the latest entries come from the batch's read, and the writes go
 * into the batch's one write statement (note-batch-statements.ts).
 */
export function planBatchHistory(
  changes: readonly BodyChange[],
  latestEntries: ReadonlyMap<string, LatestEntry>,
  intervalMs: number,
  now: Date,
): HistoryWrites {
  const latest = new Map(latestEntries);
  // Entries this batch adds, and stored entries it folds into (by their version before).
  const inserts = new Map<string, HistoryEntry>();
  const folds = new Map<string, HistoryEntry & { fromVersion: number }>();
  for (const { row, authorKey } of changes) {
    const last = latest.get(row.id);
    const entry = entryOf(row, authorKey);
    const foldable =
      last !== undefined &&
      authorKey !== undefined &&
      last.authorKey === authorKey &&
      now.getTime() - last.createdAt.getTime() < intervalMs;
    const pending = inserts.get(`${row.id}:${last?.version}`);
    if (foldable && pending) {
      inserts.delete(`${row.id}:${last.version}`);
      inserts.set(`${row.id}:${row.version}`, entry);
    } else if (foldable) {
      const fold = folds.get(row.id);
      folds.set(row.id, { ...entry, fromVersion: fold?.fromVersion ?? last.version });
    } else {
      inserts.set(`${row.id}:${row.version}`, entry);
    }
    latest.set(row.id, {
      version: row.version,
      createdAt: foldable ? last.createdAt : now,
      authorKey: authorKey ?? null,
    });
  }
  return { folds: [...folds.values()], inserts: [...inserts.values()] };
}

function entryOf(row: NoteRow, authorKey: string | undefined): HistoryEntry {
  return {
    noteId: row.id,
    version: row.version,
    title: row.title,
    content: row.content,
    encryptedTitle: row.encryptedTitle,
    encryptedContent: row.encryptedContent,
    authorKey: authorKey ?? null,
  };
}
