import type { NoteVersion } from '@tidings/protocol';
import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../store/database';
import { noteVersions } from '../store/schema';
import { type NoteRow, type NoteVersionRow, toNoteVersion } from './records';

/**
 * Keeps the history of a note's title and content. Typing saves many times a minute; edits that
 * follow the latest history entry within `intervalMs` update that entry instead of adding one,
 * so the history holds one entry per burst of editing, each under the version it ended at.
 */
export async function recordVersion(
  tx: Queryable,
  note: NoteRow,
  intervalMs: number,
): Promise<void> {
  const body = {
    version: note.version,
    title: note.title,
    content: note.content,
    encryptedTitle: note.encryptedTitle,
    encryptedContent: note.encryptedContent,
  };
  const [latest] = await tx
    .select({ version: noteVersions.version, createdAt: noteVersions.createdAt })
    .from(noteVersions)
    .where(eq(noteVersions.noteId, note.id))
    .orderBy(desc(noteVersions.version))
    .limit(1);
  if (latest && Date.now() - latest.createdAt.getTime() < intervalMs) {
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
