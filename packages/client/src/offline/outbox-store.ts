import type { NoteChanges } from '@tidings/protocol';

/**
 * What an entry does: `create` makes the note with its `noteId` (a client-made UUID, so a resend
 * applies once) from `changes`; absent (entries queued before creates existed) or `update`
 * changes an existing note; `create-folder` makes the folder `noteId` from `folder`.
 */
export type OutboxAction = 'create' | 'update' | 'create-folder';

/** The fields of a folder created through the outbox. */
export interface QueuedFolder {
  name: string;
  parentId: string | null;
}

/** One queued change to a note, waiting to reach the server. */
export interface OutboxEntry {
  kind?: OutboxAction;
  /** For `create-folder`: the folder to make (its id is `noteId`). */
  folder?: QueuedFolder;
  /** Unique per change; the server and the replay use it so a change is applied once. */
  clientMsgId: string;
  /** Local insertion order: entries are replayed in it. */
  order: number;
  /** The note's id (for `create-folder`, the folder's). */
  noteId: string;
  changes: NoteChanges;
  /** The note version these changes were made on (0 for a create); a newer one is a conflict. */
  baseVersion: number;
  queuedAt: number;
}

/** Where queued changes survive a reload: IndexedDB in browsers, memory elsewhere. */
export interface OutboxStore {
  load(): Promise<OutboxEntry[]>;
  put(entry: OutboxEntry): Promise<void>;
  remove(clientMsgId: string): Promise<void>;
  clear(): Promise<void>;
}

export function memoryOutboxStore(): OutboxStore {
  const entries = new Map<string, OutboxEntry>();
  return {
    load: async () => [...entries.values()].sort((a, b) => a.order - b.order),
    put: async (entry) => {
      entries.set(entry.clientMsgId, structuredClone(entry));
    },
    remove: async (clientMsgId) => {
      entries.delete(clientMsgId);
    },
    clear: async () => entries.clear(),
  };
}
