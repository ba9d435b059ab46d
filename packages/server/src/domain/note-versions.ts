import type { NoteVersion } from '@tidings/protocol';
import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../store/database';
import { noteVersions } from '../store/schema';
import { type NoteRow, type NoteVersionRow, toNoteVersion } from './records';

/** How a change enters the history. */
export interface VersionRecording {
  /** Who wrote it: a connection, else a session; unknown writers never fold. */
  authorKey: string | undefined;
  /** Edits by the same writer closer together than this fold into one entry. */
  intervalMs: number;
  /** Always a new entry (a revert), whoever wrote the last one and however recently. */
  fresh?: boolean;
}

/**
 * Keeps the history of a note's title and content. Typing saves many times a minute, so the
 * edits one writer makes within `intervalMs` of its own latest entry update that entry (listed
 * under the version it ended at) instead of adding one. Any other writer's edit, such as another
 * device overwriting after a conflict, and every revert start a new entry, so the state they
 * replace always stays in the history.
 */
export async function recordVersion(
  tx: Queryable,
  note: NoteRow,
  recording: VersionRecording,
): Promise<void> {
  const body = {
    version: note.version,
    title: note.title,
    content: note.content,
    encryptedTitle: note.encryptedTitle,
    encryptedContent: note.encryptedContent,
    authorKey: recording.authorKey ?? null,
  };
  const [latest] = await tx
    .select({
      version: noteVersions.version,
      createdAt: noteVersions.createdAt,
      authorKey: noteVersions.authorKey,
    })
    .from(noteVersions)
    .where(eq(noteVersions.noteId, note.id))
    .orderBy(desc(noteVersions.version))
    .limit(1);
  const foldable =
    latest !== undefined &&
    !recording.fresh &&
    recording.authorKey !== undefined &&
    latest.authorKey === recording.authorKey &&
    Date.now() - latest.createdAt.getTime() < recording.intervalMs;
  if (foldable) {
    await tx
      .update(noteVersions)
      .set(body)
      .where(and(eq(noteVersions.noteId, note.id), eq(noteVersions.version, latest.version)));
    return;
  }
  await tx.insert(noteVersions).values({ noteId: note.id, ...body });
}

/** Newest first. */
export async function listVersions(db: Queryable, noteId: string): Promise<NoteVersion[]> {
  const rows = await db
    .select()
    .from(noteVersions)
    .where(eq(noteVersions.noteId, noteId))
    .orderBy(desc(noteVersions.version));
  return rows.map(toNoteVersion);
}

export async function findVersion(
  db: Queryable,
  noteId: string,
  version: number,
): Promise<NoteVersionRow | undefined> {
  const [row] = await db
    .select()
    .from(noteVersions)
    .where(and(eq(noteVersions.noteId, noteId), eq(noteVersions.version, version)));
  return row;
}
