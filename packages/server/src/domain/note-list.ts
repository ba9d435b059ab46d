import { and, desc, eq, exists, ilike, isNull, or, type SQL, sql } from 'drizzle-orm';
import { AppError } from '../errors';
import type { Queryable } from '../store/database';
import { notes, noteTags, tags } from '../store/schema';
import { loadTagNames } from './note-tags';
import { toNote } from './records';
import type { NoteListFilter, NotePage } from './services';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

/**
 * The exact `updated_at` (Postgres keeps microseconds, a JS Date only milliseconds), as text the
 * cursor carries back, so a page boundary never skips or repeats a note and the order can use
 * the (user_id, updated_at) index.
 */
const exactUpdatedAt = sql<string>`to_char(${notes.updatedAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A page of the user's notes, most recently changed first, with a cursor for the next page. */
export async function listNotes(
  db: Queryable,
  userId: string,
  filter: NoteListFilter,
): Promise<NotePage> {
  const limit = Math.min(filter.limit ?? DEFAULT_PAGE, MAX_PAGE);
  const conditions: SQL[] = [eq(notes.userId, userId), eq(notes.deleted, filter.deleted ?? false)];
  if (filter.folderId === null) conditions.push(isNull(notes.folderId));
  else if (filter.folderId !== undefined) conditions.push(eq(notes.folderId, filter.folderId));
  if (filter.starred !== undefined) conditions.push(eq(notes.starred, filter.starred));
  if (filter.archived !== undefined) conditions.push(eq(notes.archived, filter.archived));
  if (filter.hidden !== undefined) conditions.push(eq(notes.hidden, filter.hidden));
  if (filter.q) {
    const pattern = `%${escapeLike(filter.q)}%`;
    conditions.push(or(ilike(notes.title, pattern), ilike(notes.content, pattern)) as SQL);
  }
  if (filter.tag) conditions.push(hasTag(filter.tag));
  if (filter.cursor) conditions.push(after(decodeCursor(filter.cursor)));

  const rows = await db
    .select({ note: notes, cursorAt: exactUpdatedAt })
    .from(notes)
    .where(and(...conditions))
    .orderBy(desc(notes.updatedAt), desc(notes.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit).map((row) => row.note);
  const tagNames = await loadTagNames(
    db,
    page.map((row) => row.id),
  );
  const last = rows[limit - 1];
  return {
    notes: page.map((row) => toNote(row, tagNames.get(row.id) ?? [])),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.note.id) : null,
  };
}

function hasTag(name: string): SQL {
  return exists(
    sql`(select 1 from ${noteTags} join ${tags} on ${tags.id} = ${noteTags.tagId}
         where ${noteTags.noteId} = ${notes.id} and lower(${tags.name}) = ${name.toLowerCase()})`,
  );
}

/** Rows strictly after the cursor in (updatedAt desc, id desc) order. */
function after(cursor: { updatedAt: string; id: string }): SQL {
  return sql`(${notes.updatedAt}, ${notes.id}) < (${cursor.updatedAt}::timestamptz, ${cursor.id}::uuid)`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

function encodeCursor(updatedAt: string, id: string): string {
  return Buffer.from(`${updatedAt}|${id}`).toString('base64url');
}

const EXACT_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  const [updatedAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!id || !/^[0-9a-f-]{36}$/.test(id) || !updatedAt || !EXACT_TIMESTAMP.test(updatedAt)) {
    throw new AppError('VALIDATION_FAILED', 'The cursor is not valid.', [
      { path: 'cursor', message: 'use the nextCursor of the previous page' },
    ]);
  }
  return { updatedAt, id };
}
