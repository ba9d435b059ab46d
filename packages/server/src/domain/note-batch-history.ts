import { desc, inArray, sql } from 'drizzle-orm';
import type { Transaction } from '../store/database';
import { noteVersions } from '../store/schema';
import type { NoteRow } from './records';

/** A body change of a batch, in arrival order, and who made it. */
export interface BodyChange {
  row: NoteRow;
  authorKey: string | undefined;
}

interface Latest {
  version: number;
  createdAt: Date;
  authorKey: string | null;
}

type Entry = NoteRow & { authorKey: string | undefined };

/**
 * The version history of a whole batch with the rules of `recordVersion` (note-versions.ts):
 * an edit folds into its note's latest entry only when the same writer made that entry less
 * than `intervalMs` ago; anyone else's edit starts a new entry. Reverts never come here, so no
 * entry is forced fresh. Three statements whatever the batch size: the latest entry of every
 * note, then one insert and one update.
 */
export async function recordBatchVersions(
  tx: Transaction,
  changes: readonly BodyChange[],
  intervalMs: number,
  now: Date,
): Promise<void> {
  if (changes.length === 0) return;
  const noteIds = [...new Set(changes.map((change) => change.row.id))];
  const latestRows = await tx
    .selectDistinctOn([noteVersions.noteId], {
      noteId: noteVersions.noteId,
      version: noteVersions.version,
      createdAt: noteVersions.createdAt,
      authorKey: noteVersions.authorKey,
    })
    .from(noteVersions)
    .where(inArray(noteVersions.noteId, noteIds))
    .orderBy(noteVersions.noteId, desc(noteVersions.version));
  const latest = new Map<string, Latest>(latestRows.map((row) => [row.noteId, row]));
  // Entries this batch adds, and stored entries it folds into (by their version before).
  const inserts = new Map<string, Entry>();
  const folds = new Map<string, { fromVersion: number; entry: Entry }>();
  for (const { row, authorKey } of changes) {
    const last = latest.get(row.id);
    const entry: Entry = { ...row, authorKey };
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
      folds.set(row.id, { fromVersion: fold?.fromVersion ?? last.version, entry });
    } else {
      inserts.set(`${row.id}:${row.version}`, entry);
    }
    latest.set(row.id, {
      version: row.version,
      createdAt: foldable ? last.createdAt : now,
      authorKey: authorKey ?? null,
    });
  }
  await foldIntoStoredEntries(tx, [...folds.values()]);
  if (inserts.size > 0) {
    await tx.insert(noteVersions).values(
      [...inserts.values()].map((entry) => ({
        noteId: entry.id,
        ...body(entry),
        createdAt: now,
      })),
    );
  }
}

function body(entry: Entry) {
  return {
    version: entry.version,
    title: entry.title,
    content: entry.content,
    encryptedTitle: entry.encryptedTitle,
    encryptedContent: entry.encryptedContent,
    authorKey: entry.authorKey ?? null,
  };
}

/** One UPDATE for every stored entry the batch folds into: it takes the newest body and version. */
async function foldIntoStoredEntries(
  tx: Transaction,
  folds: readonly { fromVersion: number; entry: Entry }[],
): Promise<void> {
  if (folds.length === 0) return;
  const values = folds.map(({ fromVersion, entry }) => {
    const b = body(entry);
    return sql`(${entry.id}::uuid, ${fromVersion}::int, ${b.version}::int, ${b.title}::text,
      ${b.content}::text, ${b.encryptedTitle}::text, ${b.encryptedContent}::text,
      ${b.authorKey}::text)`;
  });
  await tx.execute(sql`
    update note_versions as nv set version = v.version, title = v.title, content = v.content,
      encrypted_title = v.encrypted_title, encrypted_content = v.encrypted_content,
      author_key = v.author_key
    from (values ${sql.join(values, sql`, `)})
      as v(note_id, from_version, version, title, content, encrypted_title, encrypted_content,
        author_key)
    where nv.note_id = v.note_id and nv.version = v.from_version`);
}
