import type { Folder, Note, NoteVersion, Tag } from '@tidings/protocol';
import type { folders, notes, noteVersions, tags } from '../store/schema';

export type NoteRow = typeof notes.$inferSelect;
export type FolderRow = typeof folders.$inferSelect;
export type TagRow = typeof tags.$inferSelect;
export type NoteVersionRow = typeof noteVersions.$inferSelect;

/**
 * Rows as every API shows them. These shapes must stay identical to the SQL functions
 * `tidings_note_json` and `tidings_folder_json` (migration 0001), which render outside writes.
 */
export function toNote(row: NoteRow, tagNames: readonly string[]): Note {
  return {
    id: row.id,
    folderId: row.folderId,
    title: row.title,
    content: row.content,
    encryptedTitle: row.encryptedTitle,
    encryptedContent: row.encryptedContent,
    starred: row.starred,
    archived: row.archived,
    deleted: row.deleted,
    hidden: row.hidden,
    tags: [...tagNames].sort(compareCodePoints),
    version: row.version,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toFolder(row: FolderRow): Folder {
  return {
    id: row.id,
    name: row.name,
    parentId: row.parentId,
    sortOrder: row.sortOrder,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toTag(row: TagRow): Tag {
  return { id: row.id, name: row.name, color: row.color, createdAt: row.createdAt.toISOString() };
}

export function toNoteVersion(row: NoteVersionRow): NoteVersion {
  return {
    version: row.version,
    title: row.title,
    content: row.content,
    encryptedTitle: row.encryptedTitle,
    encryptedContent: row.encryptedContent,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The order of `COLLATE "C"` in SQL: by code point, the same on every machine. */
export function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
