/** The records as every API returns them: REST bodies, WebSocket and SSE events alike. */

export interface Note {
  id: string;
  folderId: string | null;
  title: string;
  content: string;
  /** Opaque to the server: end-to-end encrypted clients store ciphertext here. */
  encryptedTitle: string | null;
  encryptedContent: string | null;
  starred: boolean;
  archived: boolean;
  /** True while the note is in the trash. */
  deleted: boolean;
  hidden: boolean;
  /** Tag names, sorted. */
  tags: string[];
  /** Increases by one on every change to the note. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The fields of a note that a client may write. */
export const WRITABLE_NOTE_FIELDS = [
  'folderId',
  'title',
  'content',
  'encryptedTitle',
  'encryptedContent',
  'starred',
  'archived',
  'deleted',
  'hidden',
  'tags',
] as const;

export type WritableNoteField = (typeof WRITABLE_NOTE_FIELDS)[number];
export type NoteChanges = Partial<Pick<Note, WritableNoteField>>;

/** Fields a notes list shows; sent to connections that have not joined the note. */
export const LIST_VISIBLE_NOTE_FIELDS = [
  'id',
  'folderId',
  'title',
  'encryptedTitle',
  'starred',
  'archived',
  'deleted',
  'hidden',
  'tags',
  'version',
  'createdAt',
  'updatedAt',
] as const;

export interface Folder {
  id: string;
  name: string;
  parentId: string | null;
  sortOrder: number;
  createdAt: string;
  updatedAt: string;
}

export type FolderChanges = Partial<Pick<Folder, 'name' | 'parentId' | 'sortOrder'>>;

export interface Tag {
  id: string;
  name: string;
  color: string | null;
  createdAt: string;
}

export interface NoteVersion {
  version: number;
  title: string;
  content: string;
  encryptedTitle: string | null;
  encryptedContent: string | null;
  createdAt: string;
}

export interface PublicUser {
  id: string;
  email: string;
  name: string | null;
  createdAt: string;
}
