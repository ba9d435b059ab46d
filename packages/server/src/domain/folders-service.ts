import type { Folder, FolderChanges } from '@tidings/protocol';
import { and, eq, inArray } from 'drizzle-orm';
import { AppError } from '../errors';
import type { Queryable, Transaction } from '../store/database';
import { folders, notes } from '../store/schema';
import { notFound, recordId } from './ids';
import { loadTagNames } from './note-tags';
import { type FolderRow, toFolder, toNote } from './records';
import { type ChangeDeps, type Emit, runChange } from './run-change';
import type { FolderCreateInput, FoldersService } from './services';

export function createFoldersService(deps: ChangeDeps): FoldersService {
  const { db } = deps;
  return {
    async list(userId) {
      const rows = await db
        .select()
        .from(folders)
        .where(eq(folders.userId, userId))
        .orderBy(folders.sortOrder, folders.name);
      return rows.map(toFolder);
    },

    async create(actor, input) {
      const { result } = await runChange(deps, actor, (tx, emit) =>
        insertFolder(tx, emit, actor.userId, input),
      );
      return result;
    },

    async update(actor, rawFolderId, changes) {
      const folderId = recordId(rawFolderId, 'Folder');
      const { result } = await runChange(deps, actor, async (tx, emit) => {
        const current = await lockFolder(tx, actor.userId, folderId);
        if (changes.parentId) await assertValidParent(tx, actor.userId, folderId, changes.parentId);
        const changed: FolderChanges = {};
        for (const [key, value] of Object.entries(changes) as [keyof FolderChanges, unknown][]) {
          if (value !== undefined && value !== current[key]) {
            Object.assign(changed, { [key]: value });
          }
        }
        if (Object.keys(changed).length === 0) return toFolder(current);
        const [row] = await tx
          .update(folders)
          .set({ ...changed, updatedAt: new Date() })
          .where(eq(folders.id, folderId))
          .returning();
        const folder = toFolder(row as FolderRow);
        emit({ type: 'folder_updated_sync', folderId, changes: changed, updatedFolder: folder });
        return folder;
      });
      return result;
    },

    async remove(actor, rawFolderId) {
      const folderId = recordId(rawFolderId, 'Folder');
      await runChange(deps, actor, async (tx, emit) => {
        await lockFolder(tx, actor.userId, folderId);
        const doomed = await subtree(tx, actor.userId, folderId);
        await moveNotesToRoot(tx, emit, doomed);
        // Deepest first, so no client ever holds a folder whose parent is already gone.
        for (const id of [...doomed].reverse()) {
          await tx.delete(folders).where(eq(folders.id, id));
          emit({ type: 'folder_deleted_sync', folderId: id });
        }
      });
    },
  };
}

async function insertFolder(
  tx: Transaction,
  emit: Emit,
  userId: string,
  input: FolderCreateInput,
): Promise<Folder> {
  const { id, parentId, ...fields } = input;
  if (parentId) await assertOwnFolder(tx, userId, parentId, 'parentId');
  const [row] = await tx
    .insert(folders)
    .values({ ...fields, parentId: parentId ?? null, ...(id ? { id } : {}), userId })
    .onConflictDoNothing({ target: folders.id })
    .returning();
  if (!row) {
    // A replayed create: the user's existing folder, applied once.
    const [existing] = await tx
      .select()
      .from(folders)
      .where(and(eq(folders.id, id as string), eq(folders.userId, userId)));
    if (!existing) {
      throw new AppError('VALIDATION_FAILED', 'That folder id is already in use.', [
        { path: 'id', message: 'already in use' },
      ]);
    }
    return toFolder(existing);
  }
  const folder = toFolder(row);
  emit({ type: 'folder_created_sync', folderData: folder });
  return folder;
}

async function lockFolder(tx: Transaction, userId: string, folderId: string): Promise<FolderRow> {
  const [row] = await tx
    .select()
    .from(folders)
    .where(and(eq(folders.id, folderId), eq(folders.userId, userId)))
    .for('update');
  if (!row) throw notFound('Folder');
  return row;
}

async function assertOwnFolder(
  db: Queryable,
  userId: string,
  folderId: string,
  path: string,
): Promise<void> {
  const [row] = await db
    .select({ id: folders.id })
    .from(folders)
    .where(and(eq(folders.id, folderId), eq(folders.userId, userId)));
  if (!row) {
    throw new AppError('VALIDATION_FAILED', 'The parent folder does not exist.', [
      { path, message: 'not one of your folders' },
    ]);
  }
}

/** A folder cannot move under itself or under one of its own descendants. */
async function assertValidParent(
  tx: Transaction,
  userId: string,
  folderId: string,
  parentId: string,
): Promise<void> {
  await assertOwnFolder(tx, userId, parentId, 'parentId');
  const descendants = await subtree(tx, userId, folderId);
  if (descendants.includes(parentId)) {
    throw new AppError('VALIDATION_FAILED', 'A folder cannot be moved into itself.', [
      { path: 'parentId', message: 'is the folder itself or one of its subfolders' },
    ]);
  }
}

/** The folder and all its descendants, parents before children. */
async function subtree(tx: Queryable, userId: string, rootId: string): Promise<string[]> {
  const all = await tx
    .select({ id: folders.id, parentId: folders.parentId })
    .from(folders)
    .where(eq(folders.userId, userId));
  const children = new Map<string, string[]>();
  for (const { id, parentId } of all) {
    if (!parentId) continue;
    children.set(parentId, [...(children.get(parentId) ?? []), id]);
  }
  const ordered: string[] = [];
  const queue = [rootId];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const id = queue.shift() as string;
    if (seen.has(id)) continue; // An outside writer may have made a cycle.
    seen.add(id);
    ordered.push(id);
    queue.push(...(children.get(id) ?? []));
  }
  return ordered;
}

/** Notes of deleted folders stay, at the root: deleting a folder never loses what was written. */
async function moveNotesToRoot(tx: Transaction, emit: Emit, folderIds: string[]): Promise<void> {
  const affected = await tx
    .select()
    .from(notes)
    .where(inArray(notes.folderId, folderIds))
    .for('update');
  if (affected.length === 0) return;
  const tagNames = await loadTagNames(
    tx,
    affected.map((row) => row.id),
  );
  for (const current of affected) {
    const [row] = await tx
      .update(notes)
      .set({ folderId: null, version: current.version + 1, updatedAt: new Date() })
      .where(eq(notes.id, current.id))
      .returning();
    if (!row) continue;
    const note = toNote(row, tagNames.get(row.id) ?? []);
    emit({ type: 'note_sync', noteId: row.id, changes: { folderId: null }, updatedNote: note });
  }
}
