import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../store/database';
import { noteTags, tags } from '../store/schema';

/** Tag names per note, for the notes given. */
export async function loadTagNames(
  db: Queryable,
  noteIds: readonly string[],
): Promise<Map<string, string[]>> {
  const byNote = new Map<string, string[]>();
  if (noteIds.length === 0) return byNote;
  const rows = await db
    .select({ noteId: noteTags.noteId, name: tags.name })
    .from(noteTags)
    .innerJoin(tags, eq(tags.id, noteTags.tagId))
    .where(inArray(noteTags.noteId, [...noteIds]));
  for (const { noteId, name } of rows) {
    const names = byNote.get(noteId) ?? [];
    names.push(name);
    byNote.set(noteId, names);
  }
  return byNote;
}

/**
 * Makes a note's tags exactly `names` (case-insensitive, the stored spelling wins), creating
 * the user's missing tags. Returns the stored names.
 */
export async function replaceNoteTags(
  tx: Queryable,
  userId: string,
  noteId: string,
  names: readonly string[],
): Promise<string[]> {
  const wanted = uniqueCaseInsensitive(names);
  if (wanted.length > 0) {
    await tx
      .insert(tags)
      .values(wanted.map((name) => ({ userId, name })))
      .onConflictDoNothing();
  }
  const userTags =
    wanted.length === 0
      ? []
      : await tx
          .select({ id: tags.id, name: tags.name })
          .from(tags)
          .where(
            and(
              eq(tags.userId, userId),
              inArray(
                sql`lower(${tags.name})`,
                wanted.map((name) => name.toLowerCase()),
              ),
            ),
          );
  await tx.delete(noteTags).where(eq(noteTags.noteId, noteId));
  if (userTags.length > 0) {
    await tx.insert(noteTags).values(userTags.map((tag) => ({ noteId, tagId: tag.id })));
  }
  return userTags.map((tag) => tag.name);
}

function uniqueCaseInsensitive(names: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const raw of names) {
    const name = raw.trim();
    if (name !== '' && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()];
}
