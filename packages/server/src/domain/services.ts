import type { Folder, FolderChanges, Note, NoteChanges, NoteVersion, Tag } from '@tidings/protocol';
import type { UpdateResult } from './note-update-batcher';
import type { ChangeContext } from './run-change';

/**
 * The one way REST routes and the WebSocket gateway read and change a user's data. Every write
 * goes through `runChange`, so it lands in the change log and reaches live connections once.
 * Every method is scoped to `actor.userId`: another user's id is NOT_FOUND, never FORBIDDEN, so
 * ids cannot be probed. Failures are AppErrors from the registered table.
 */
export type Actor = ChangeContext;

export interface NoteListFilter {
  folderId?: string | null | undefined;
  starred?: boolean | undefined;
  archived?: boolean | undefined;
  /** true: the trash; false (default): notes not in the trash. */
  deleted?: boolean | undefined;
  hidden?: boolean | undefined;
  tag?: string | undefined;
  /** Case-insensitive substring of title or content. */
  q?: string | undefined;
  limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

export interface NotePage {
  notes: Note[];
  nextCursor: string | null;
}

/** A new note; `id` lets an offline client name it so a replayed create applies once. */
export type NoteCreateInput = NoteChanges & { id?: string | undefined };

export interface NotesService {
  list(userId: string, filter: NoteListFilter): Promise<NotePage>;
  get(userId: string, noteId: string): Promise<Note>;
  /** The note's owner (in the trash too), undefined when there is no such note. */
  ownerOf(noteId: string): Promise<string | undefined>;
  /**
   * Throws NOT_FOUND unless the user has this note (in the trash too), reading nothing else.
   * `ownerRead`: an `ownerOf` of this note already under way, started after the request came.
   */
  assertOwned(
    userId: string,
    noteId: string,
    ownerRead?: Promise<string | undefined>,
  ): Promise<void>;
  /** Idempotent on `input.id`: creating an id the user already has returns that note. */
  create(actor: Actor, input: NoteCreateInput): Promise<Note>;
  /**
   * Applies `changes`; with `baseVersion`, a note whose version moved on is not overwritten:
   * 409 VERSION_CONFLICT with `details.current` (the server's note).
   */
  update(actor: Actor, noteId: string, changes: NoteChanges, baseVersion?: number): Promise<Note>;
  /**
   * `update`, with the seq of the change when it is known (title, content and flag edits, which
   * are group-committed; not tag changes). Submitted synchronously: calls made one after another
   * are applied in that order.
   */
  updateWithSeq(
    actor: Actor,
    noteId: string,
    changes: NoteChanges,
    baseVersion?: number,
  ): Promise<UpdateResult>;
  /** To the trash (`permanent: false`) or gone for good. */
  remove(actor: Actor, noteId: string, options: { permanent: boolean }): Promise<void>;
  versions(userId: string, noteId: string): Promise<NoteVersion[]>;
  /** Makes an old version's title and content current again, as a new version. */
  revert(actor: Actor, noteId: string, version: number): Promise<Note>;
}

export type FolderCreateInput = {
  name: string;
  parentId?: string | null | undefined;
  sortOrder?: number | undefined;
  id?: string | undefined;
};

export interface FoldersService {
  list(userId: string): Promise<Folder[]>;
  /** Idempotent on `input.id`, like notes. */
  create(actor: Actor, input: FolderCreateInput): Promise<Folder>;
  /** A parent that is the folder itself or one of its descendants is VALIDATION_FAILED. */
  update(actor: Actor, folderId: string, changes: FolderChanges): Promise<Folder>;
  /** Removes the folder and its subfolders; their notes stay, moved to the root. */
  remove(actor: Actor, folderId: string): Promise<void>;
}

export interface TagsService {
  list(userId: string): Promise<Tag[]>;
  create(actor: Actor, input: { name: string; color?: string | null | undefined }): Promise<Tag>;
  update(
    actor: Actor,
    tagId: string,
    changes: { name?: string | undefined; color?: string | null | undefined },
  ): Promise<Tag>;
  remove(actor: Actor, tagId: string): Promise<void>;
}

export interface DataServices {
  notes: NotesService;
  folders: FoldersService;
  tags: TagsService;
}
