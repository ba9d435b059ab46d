import type { ClientMessageOf, Folder, ServerMessage } from '@tidings/protocol';
import type { Actor, DataServices } from '../domain/services';
import { AppError } from '../errors';
import type { AppliedMessages } from './applied-messages';

export type WriteType =
  | 'note_update'
  | 'note_created'
  | 'folder_created'
  | 'folder_updated'
  | 'note_deleted'
  | 'folder_deleted';

interface WriteHandler<T extends WriteType> {
  /** Applies the message through the domain services; the reply and the record it touched. */
  apply(
    data: DataServices,
    actor: Actor,
    message: ClientMessageOf<T>,
  ): Promise<{ reply: ServerMessage; recordId: string }>;
  /** Answers a retried message from the record's current state, without applying it again. */
  replay(data: DataServices, actor: Actor, recordId: string): Promise<ServerMessage>;
}

async function currentFolder(data: DataServices, userId: string, folderId: string) {
  const folder = (await data.folders.list(userId)).find((f: Folder) => f.id === folderId);
  if (!folder) throw new AppError('NOT_FOUND', 'Folder not found.');
  return folder;
}

/**
 * The messages that change data. Each goes through the same domain services as REST, scoped to
 * the connection's user (another user's id is NOT_FOUND) and tagged with the connection id, so
 * the hub does not echo the change back to the connection that made it.
 */
export const WRITE_HANDLERS: { [T in WriteType]: WriteHandler<T> } = {
  note_update: {
    async apply(data, actor, { noteId, changes, baseVersion }) {
      // Submitted before the first await (see updateWithSeq): pipelined updates keep their order.
      const { note, seq } = await data.notes.updateWithSeq(actor, noteId, changes, baseVersion);
      const reply = {
        type: 'note_update_success',
        noteId,
        updatedNote: note,
        timestamp: Date.now(),
        ...(seq === undefined ? {} : { seq }),
      } as const;
      return { reply, recordId: noteId };
    },
    async replay(data, actor, noteId) {
      const note = await data.notes.get(actor.userId, noteId);
      return { type: 'note_update_success', noteId, updatedNote: note, timestamp: Date.now() };
    },
  },
  note_created: {
    async apply(data, actor, { noteData }) {
      const note = await data.notes.create(actor, noteData);
      const reply = {
        type: 'note_created_success',
        noteData: note,
        timestamp: Date.now(),
      } as const;
      return { reply, recordId: note.id };
    },
    async replay(data, actor, noteId) {
      const note = await data.notes.get(actor.userId, noteId);
      return { type: 'note_created_success', noteData: note, timestamp: Date.now() };
    },
  },
  folder_created: {
    async apply(data, actor, { folderData }) {
      const folder = await data.folders.create(actor, folderData);
      const reply = {
        type: 'folder_created_success',
        folderData: folder,
        timestamp: Date.now(),
      } as const;
      return { reply, recordId: folder.id };
    },
    async replay(data, actor, folderId) {
      const folder = await currentFolder(data, actor.userId, folderId);
      return { type: 'folder_created_success', folderData: folder, timestamp: Date.now() };
    },
  },
  folder_updated: {
    async apply(data, actor, { folderId, changes }) {
      const folder = await data.folders.update(actor, folderId, changes);
      const reply = {
        type: 'folder_updated_success',
        folderId,
        updatedFolder: folder,
        timestamp: Date.now(),
      } as const;
      return { reply, recordId: folderId };
    },
    async replay(data, actor, folderId) {
      const folder = await currentFolder(data, actor.userId, folderId);
      return {
        type: 'folder_updated_success',
        folderId,
        updatedFolder: folder,
        timestamp: Date.now(),
      };
    },
  },
  note_deleted: {
    async apply(data, actor, { noteId }) {
      // To the trash, like DELETE /api/notes/:id; restoring is a note_update with deleted: false.
      await data.notes.remove(actor, noteId, { permanent: false });
      const reply = { type: 'note_deleted_success', noteId, timestamp: Date.now() } as const;
      return { reply, recordId: noteId };
    },
    async replay(_data, _actor, noteId) {
      return { type: 'note_deleted_success', noteId, timestamp: Date.now() };
    },
  },
  folder_deleted: {
    async apply(data, actor, { folderId }) {
      await data.folders.remove(actor, folderId);
      const reply = { type: 'folder_deleted_success', folderId, timestamp: Date.now() } as const;
      return { reply, recordId: folderId };
    },
    async replay(_data, _actor, folderId) {
      return { type: 'folder_deleted_success', folderId, timestamp: Date.now() };
    },
  },
};

export function isWriteType(type: string): type is WriteType {
  return Object.hasOwn(WRITE_HANDLERS, type);
}

export interface WriteContext {
  data: DataServices;
  applied: AppliedMessages;
  actor: Actor;
}

/**
 * Applies a data change once: a message whose clientMsgId this user already had applied (a
 * retry after a lost reply, perhaps on a new connection) is answered from the record's current
 * state instead of being applied again.
 */
export async function applyWrite(
  { data, applied, actor }: WriteContext,
  message: ClientMessageOf<WriteType>,
): Promise<ServerMessage> {
  const handler = WRITE_HANDLERS[message.type] as unknown as WriteHandler<WriteType>;
  const { clientMsgId } = message;
  const previous = clientMsgId === undefined ? undefined : applied.get(actor.userId, clientMsgId);
  if (previous && previous.type === message.type) {
    return handler.replay(data, actor, previous.recordId);
  }
  const { reply, recordId } = await handler.apply(data, actor, message);
  if (clientMsgId !== undefined) {
    applied.remember(actor.userId, clientMsgId, { type: message.type, recordId });
  }
  return reply;
}
