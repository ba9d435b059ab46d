import type { Folder, Note, NoteChanges } from '@tidings/protocol';
import { type BackoffOptions, backoffAtLeastHalf, DEFAULT_BACKOFF } from '../backoff';
import { Emitter } from '../emitter';
import { isTidingsError, type TidingsError } from '../errors';
import type { OutboxEntry, OutboxStore, QueuedFolder } from './outbox-store';

/** What the server did with one queued change. */
export type SendOutcome =
  | { status: 'applied'; note: Note }
  /** A queued folder exists on the server. */
  | { status: 'folder-created'; folder: Folder }
  /** The note moved on since `baseVersion`: the server's current note. */
  | { status: 'conflict'; serverNote: Note };

/** Sends one entry; throws a TidingsError when the server refused it or could not be reached. */
export type OutboxSender = (entry: OutboxEntry) => Promise<SendOutcome>;

export interface Conflict {
  noteId: string;
  /** The changes made here, all queued edits of the note merged. */
  local: NoteChanges;
  baseVersion: number;
  /** The server's version of the note, with the change made elsewhere. */
  server: Note;
}

export interface OutboxEvents {
  applied: { entry: OutboxEntry; note: Note };
  /** A folder created through the outbox reached the server. */
  folderCreated: { entry: OutboxEntry; folder: Folder };
  conflict: Conflict;
  /** A change the server refused for good (the note was deleted, the change is invalid). */
  failed: { entry: OutboxEntry; error: TidingsError };
  /** Changes are waiting: the count after every enqueue and send. */
  pending: number;
}

/** Failures of a moment, of the network or the server: tried again by a timer. */
const RETRY_BY_TIMER = new Set([
  'NETWORK_ERROR',
  'SHUTTING_DOWN',
  'DB_UNAVAILABLE',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'UNEXPECTED_RESPONSE',
]);

/**
 * Failures about the session: tried again with the next connection (`flush` on `ready`), not
 * on a timer, which would only ask again while signed out.
 */
const RETRY_ON_CONNECTION = new Set([
  'SIGNED_OUT',
  'SESSION_REVOKED',
  'REFRESH_INVALID',
  'REFRESH_REUSED',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'TOKEN_INVALID',
]);

/**
 * Edits of notes, queued and sent one at a time in order. Offline (or while a send is in flight)
 * edits of the same note merge into one entry; each entry carries a `clientMsgId` and the version
 * it was made on, so a replay is applied once and a change made elsewhere in the meantime comes
 * back as a conflict with both versions, never silently overwritten.
 */
export class Outbox extends Emitter<OutboxEvents> {
  private entries: OutboxEntry[] = [];
  private inFlight: string | null = null;
  private flushing: Promise<void> | null = null;
  private readonly loaded: Promise<void>;
  /** The next try after a failure worth retrying; null when none is due. */
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Failed tries in a row, for the backoff; 0 after any send that went through. */
  private failedTries = 0;

  constructor(
    private readonly store: OutboxStore,
    private readonly sender: OutboxSender,
    private readonly newId: () => string = () => globalThis.crypto.randomUUID(),
    private readonly retryBackoff: BackoffOptions = DEFAULT_BACKOFF,
  ) {
    super();
    this.loaded = store.load().then(
      (entries) => {
        this.entries = [...entries, ...this.entries];
      },
      () => undefined,
    );
  }

  /** The queued entries, oldest first. */
  async pending(): Promise<OutboxEntry[]> {
    await this.loaded;
    return this.entries.map((entry) => ({ ...entry, changes: { ...entry.changes } }));
  }

  /**
   * Queues a change of a note made on `baseVersion`; persisted before this resolves. A change of
   * a note whose create is still waiting joins the create, so the note is made with it.
   */
  async enqueue(noteId: string, changes: NoteChanges, baseVersion: number): Promise<void> {
    await this.loaded;
    const waiting = this.entries.findLast(
      (entry) => entry.noteId === noteId && entry.clientMsgId !== this.inFlight,
    );
    if (waiting) {
      waiting.changes = { ...waiting.changes, ...changes };
      await this.store.put(waiting);
    } else {
      await this.append({ noteId, changes: { ...changes }, baseVersion });
    }
    this.emit('pending', this.entries.length);
  }

  /**
   * Queues the creation of a note with the id the app gave it (a UUID), so it can be shown,
   * edited (`enqueue` after this) and trashed before the server has it; the server applies a
   * resent create once.
   */
  async enqueueCreate(noteId: string, fields: NoteChanges): Promise<void> {
    await this.loaded;
    await this.append({ kind: 'create', noteId, changes: { ...fields }, baseVersion: 0 });
    this.emit('pending', this.entries.length);
  }

  /**
   * Queues the creation of a folder with the id the app gave it, in order with the note changes
   * (a note created or moved into it afterwards is sent after it).
   */
  async enqueueFolderCreate(folderId: string, folder: QueuedFolder): Promise<void> {
    await this.loaded;
    await this.append({
      kind: 'create-folder',
      noteId: folderId,
      changes: {},
      baseVersion: 0,
      folder,
    });
    this.emit('pending', this.entries.length);
  }

  /** The ids of notes whose create has not reached the server yet. */
  async pendingCreates(): Promise<string[]> {
    await this.loaded;
    return this.entries.filter((entry) => entry.kind === 'create').map((entry) => entry.noteId);
  }

  private async append(
    fields: Pick<OutboxEntry, 'kind' | 'noteId' | 'changes' | 'baseVersion' | 'folder'>,
  ): Promise<void> {
    const entry: OutboxEntry = {
      ...fields,
      clientMsgId: this.newId(),
      order: (this.entries.at(-1)?.order ?? 0) + 1,
      queuedAt: Date.now(),
    };
    this.entries.push(entry);
    await this.store.put(entry);
  }

  /**
   * Sends everything queued, in order; concurrent calls share one run. Stops at the first
   * failure worth retrying (offline, server restarting), leaving it and the rest queued.
   */
  flush(): Promise<void> {
    this.cancelRetry();
    this.flushing ??= this.drain().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Forgets every queued change (sign-out). */
  async clear(): Promise<void> {
    this.cancelRetry();
    await this.loaded;
    this.entries = [];
    await this.store.clear();
    this.emit('pending', 0);
  }

  private async drain(): Promise<void> {
    await this.loaded;
    let entry: OutboxEntry | undefined;
    while ((entry = this.entries[0])) {
      this.inFlight = entry.clientMsgId;
      let outcome: SendOutcome;
      try {
        outcome = await this.sender(entry);
      } catch (error) {
        this.inFlight = null;
        // Left queued, in order: tried again by a timer, or with the next connection. An error
        // that is not Tidings' own (a bug in a custom sender) is retried too.
        if (!isTidingsError(error) || RETRY_BY_TIMER.has(error.code)) {
          this.retryLater();
          return;
        }
        if (RETRY_ON_CONNECTION.has(error.code)) return;
        await this.drop(entry);
        // Without the note, its later edits cannot apply either.
        if (entry.kind === 'create') await this.dropNote(entry.noteId);
        this.emit('failed', { entry, error });
        continue;
      }
      this.inFlight = null;
      this.failedTries = 0;
      if (outcome.status === 'folder-created') {
        await this.drop(entry);
        this.emit('folderCreated', { entry, folder: outcome.folder });
        continue;
      }
      if (outcome.status === 'conflict' && !alreadyApplied(entry.changes, outcome.serverNote)) {
        this.emit('conflict', await this.takeConflict(entry, outcome.serverNote));
        continue;
      }
      const note = outcome.status === 'applied' ? outcome.note : outcome.serverNote;
      await this.drop(entry);
      await this.rebase(entry.noteId, note.version);
      this.emit('applied', { entry, note });
    }
  }

  /** Stops the retry after a failure, if one is due (the outbox is released or cleared). */
  cancelRetry(): void {
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  /**
   * Tries again after a growing delay (equal jitter, so it is never immediate). Without
   * it a change that failed while the connection stayed up waited for the next reconnect or the
   * next edit: a note saved offline could sit unsent on a page that stays open.
   */
  private retryLater(): void {
    if (this.retryTimer !== null) return;
    const delay = backoffAtLeastHalf(this.failedTries, this.retryBackoff);
    this.failedTries += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flush();
    }, delay);
    // In Node, a pending retry does not keep the process alive: the queue is persisted.
    (this.retryTimer as { unref?: () => void }).unref?.();
  }

  /** The conflicting entry and every later edit of the same note become one conflict. */
  private async takeConflict(entry: OutboxEntry, server: Note): Promise<Conflict> {
    const sameNote = this.entries.filter((queued) => queued.noteId === entry.noteId);
    let local: NoteChanges = {};
    for (const queued of sameNote) {
      local = { ...local, ...queued.changes };
      await this.drop(queued);
    }
    return { noteId: entry.noteId, local, baseVersion: entry.baseVersion, server };
  }

  /** Later edits of a note build on the version our own change just produced. */
  private async rebase(noteId: string, version: number): Promise<void> {
    for (const queued of this.entries) {
      if (queued.noteId !== noteId) continue;
      queued.baseVersion = version;
      await this.store.put(queued);
    }
  }

  private async dropNote(noteId: string): Promise<void> {
    for (const queued of this.entries.filter((entry) => entry.noteId === noteId)) {
      await this.drop(queued);
    }
  }

  private async drop(entry: OutboxEntry): Promise<void> {
    this.entries = this.entries.filter((queued) => queued.clientMsgId !== entry.clientMsgId);
    await this.store.remove(entry.clientMsgId);
    this.emit('pending', this.entries.length);
  }
}

/**
 * A resend of a change whose first answer was lost reads as a conflict with our own result: the
 * server's note already holds every field we sent. That is success, not a conflict.
 */
function alreadyApplied(changes: NoteChanges, server: Note): boolean {
  return Object.entries(changes).every(([field, value]) => {
    const current = server[field as keyof Note];
    return JSON.stringify(current) === JSON.stringify(value);
  });
}
