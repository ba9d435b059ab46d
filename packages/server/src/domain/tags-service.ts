import { and, eq, inArray } from 'drizzle-orm';
import { AppError } from '../errors';
import { isUniqueViolation } from '../store/db-errors';
import type { Transaction } from '../store/database';
import { notes, noteTags, tags } from '../store/schema';
import { notFound, recordId } from './ids';
import { loadTagNames } from './note-tags';
import { type TagRow, toNote, toTag } from './records';
import { type ChangeDeps, type Emit, runChange } from './run-change';
import type { TagsService } from './services';

/**
 * Tags are named labels; a note shows its tags by name. Renaming or deleting a tag therefore
 * changes every note that carries it, and each such note gets a new version and a note_sync.
 */
export function createTagsService(deps: ChangeDeps): TagsService {
  const { db } = deps;
  return {
    async list(userId) {
      const rows = await db.select().from(tags).where(eq(tags.userId, userId)).orderBy(tags.name);
      return rows.map(toTag);
    },

    async create(actor, input) {
      try {
        const [row] = await db
          .insert(tags)
          .values({ userId: actor.userId, name: input.name, color: input.color ?? null })
          .returning();
        return toTag(row as TagRow);
      } catch (error) {
        throw isUniqueViolation(error) ? tagNameTaken() : error;
      }
    },

    async update(actor, rawTagId, changes) {
      const tagId = recordId(rawTagId, 'Tag');
      try {
        const { result } = await runChange(deps, actor, async (tx, emit) => {
          const current = await lockTag(tx, actor.userId, tagId);
          const [row] = await tx
            .update(tags)
            .set({
              ...(changes.name !== undefined ? { name: changes.name } : {}),
              ...(changes.color !== undefined ? { color: changes.color } : {}),
            })
            .where(eq(tags.id, tagId))
            .returning();
          if (changes.name !== undefined && changes.name !== current.name) {
            await resyncTaggedNotes(tx, emit, tagId);
          }
          return toTag(row as TagRow);
        });
        return result;
      } catch (error) {
        throw isUniqueViolation(error) ? tagNameTaken() : error;
      }
    },

    async remove(actor, rawTagId) {
      const tagId = recordId(rawTagId, 'Tag');
      await runChange(deps, actor, async (tx, emit) => {
        await lockTag(tx, actor.userId, tagId);
        const tagged = await taggedNoteIds(tx, tagId);
        await tx.delete(tags).where(eq(tags.id, tagId));
        await bumpAndSync(tx, emit, tagged);
      });
    },
  };
}

function tagNameTaken(): AppError {
  return new AppError('VALIDATION_FAILED', 'You already have a tag with that name.', [
    { path: 'name', message: 'already used by another tag' },
  ]);
}

async function lockTag(tx: Transaction, userId: string, tagId: string): Promise<TagRow> {
  const [row] = await tx
    .select()
    .from(tags)
    .where(and(eq(tags.id, tagId), eq(tags.userId, userId)))
    .for('update');
  if (!row) throw notFound('Tag');
  return row;
}

async function taggedNoteIds(tx: Transaction, tagId: string): Promise<string[]> {
  const rows = await tx
    .select({ noteId: noteTags.noteId })
    .from(noteTags)
    .where(eq(noteTags.tagId, tagId));
  return rows.map((row) => row.noteId);
}

async function resyncTaggedNotes(tx: Transaction, emit: Emit, tagId: string): Promise<void> {
  await bumpAndSync(tx, emit, await taggedNoteIds(tx, tagId));
}

/** Each note whose tag list changed gets a new version and a note_sync with its tags. */
async function bumpAndSync(tx: Transaction, emit: Emit, noteIds: string[]): Promise<void> {
  if (noteIds.length === 0) return;
  const current = await tx.select().from(notes).where(inArray(notes.id, noteIds)).for('update');
  const tagNames = await loadTagNames(tx, noteIds);
  for (const before of current) {
    const [row] = await tx
      .update(notes)
      .set({ version: before.version + 1, updatedAt: new Date() })
      .where(eq(notes.id, before.id))
      .returning();
    if (!row) continue;
    const note = toNote(row, tagNames.get(row.id) ?? []);
    emit({ type: 'note_sync', noteId: row.id, changes: { tags: note.tags }, updatedNote: note });
  }
}
