import type { Folder, FolderChanges, Note, NoteChanges } from './entities';

/**
 * The change events every live client receives, over WebSocket and SSE alike. Each is written to
 * the user's change log with its `seq` in the same transaction as the change itself.
 */
interface EventBase {
  /** The user's change-log position of this event; strictly increasing per user. */
  seq: number;
  /** Milliseconds since the epoch at commit. */
  timestamp: number;
  /** The user whose action caused the change, or "server" for changes made outside Tidings. */
  fromUserId: string;
}

export interface NoteSyncEvent extends EventBase {
  type: 'note_sync';
  noteId: string;
  changes: NoteChanges;
  /**
   * The whole note for connections that joined it; connections that did not join it get only
   * the list-visible fields (no content).
   */
  updatedNote: Note | Partial<Note>;
}

export interface NoteCreatedSyncEvent extends EventBase {
  type: 'note_created_sync';
  noteData: Note;
}

export interface NoteDeletedSyncEvent extends EventBase {
  type: 'note_deleted_sync';
  noteId: string;
  /** False when the note moved to the trash, true when it is gone for good. */
  permanent: boolean;
}

export interface FolderCreatedSyncEvent extends EventBase {
  type: 'folder_created_sync';
  folderData: Folder;
}

export interface FolderUpdatedSyncEvent extends EventBase {
  type: 'folder_updated_sync';
  folderId: string;
  changes: FolderChanges;
  updatedFolder: Folder;
}

export interface FolderDeletedSyncEvent extends EventBase {
  type: 'folder_deleted_sync';
  folderId: string;
}

export type SyncEvent =
  | NoteSyncEvent
  | NoteCreatedSyncEvent
  | NoteDeletedSyncEvent
  | FolderCreatedSyncEvent
  | FolderUpdatedSyncEvent
  | FolderDeletedSyncEvent;

export type SyncEventType = SyncEvent['type'];

/** An event as a domain service describes it, before the change log gives it a seq. */
export type PendingSyncEvent = SyncEvent extends infer E
  ? E extends SyncEvent
    ? Omit<E, 'seq' | 'timestamp' | 'fromUserId'>
    : never
  : never;
