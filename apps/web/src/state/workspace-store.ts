import {
  type Conflict,
  ConnectionState,
  indexedDbOutboxStore,
  isTidingsError,
  memoryOutboxStore,
  type Outbox,
  type RealtimeClient,
  type TidingsClient,
} from '@tidings/client';
import type { Folder, Note, NoteChanges, SyncEvent, Tag } from '@tidings/protocol';
import { humanMessage } from '../error-messages';
import { matchesView, type View, viewQuery } from '../note-filter';
import { LocalEdits } from './local-edits';

/** How long typing pauses before the edit is queued for the server. */
const SAVE_DEBOUNCE_MS = 400;
/** Notes per page of the list (the server's largest page); "Load more" fetches the next. */
const PAGE_SIZE = 200;

export interface WorkspaceSnapshot {
  folders: Folder[];
  tags: Tag[];
  /** The notes of the current view and search, newest first, with unsaved local edits applied. */
  notes: Note[];
  view: View;
  search: string;
  selected: Note | null;
  connection: ConnectionState;
  /** `websocket` or `sse` while connected. */
  transport: string | null;
  lastSyncAt: number | null;
  /** Edits not yet confirmed by the server. */
  unsaved: number;
  /** Notes created here that the server does not have yet (made offline, or on their way). */
  pendingNoteIds: ReadonlySet<string>;
  conflict: Conflict | null;
  /** A human sentence about the last failure, until dismissed. */
  problem: string | null;
  loading: boolean;
  /** The server has more notes for this view than the pages loaded so far. */
  hasMore: boolean;
}

type Listener = () => void;

/**
 * The signed-in user's data as the page shows it: the server's records (from REST and live
 * events) plus the local edits not yet confirmed, which always win on screen so typing is never
 * undone by an echo. React reads it through `useSyncExternalStore`.
 */
export class WorkspaceStore {
  private readonly server = new Map<string, Note>();
  private readonly local = new LocalEdits();
  /** Changes typed but not yet handed to the outbox (the debounce window). */
  private readonly unsent = new Map<string, NoteChanges>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Notes created here whose create is still in the outbox: shown from the local copy. */
  private readonly pendingCreates = new Set<string>();
  /** Folders created here that the server does not have yet, by id. */
  private readonly pendingFolders = new Map<string, Folder>();
  private folders: Folder[] = [];
  private tags: Tag[] = [];
  private view: View = { kind: 'all' };
  private search = '';
  private selectedId: string | null = null;
  private conflict: Conflict | null = null;
  private problem: string | null = null;
  private loading = true;
  private pending = 0;
  private listSeq = 0;
  /** Where the next page of the current view starts; null when everything is loaded. */
  private nextCursor: string | null = null;
  /** A read could not reach the server: read everything again once connected. */
  private staleReads = false;
  private snapshot: WorkspaceSnapshot;
  private readonly listeners = new Set<Listener>();
  private readonly stops: (() => void)[] = [];
  readonly outbox: Outbox;

  constructor(
    private readonly client: TidingsClient,
    private readonly realtime: RealtimeClient,
    userId: string,
  ) {
    const store =
      typeof indexedDB === 'undefined' ? memoryOutboxStore() : indexedDbOutboxStore(userId);
    this.outbox = client.createOutbox(store);
    this.snapshot = this.build();
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = (): WorkspaceSnapshot => this.snapshot;

  start(): void {
    this.stops.push(
      this.realtime.on('state', () => this.changed()),
      this.realtime.on('event', (event) => this.apply(event)),
      this.realtime.on('ready', () => {
        if (this.staleReads) {
          this.staleReads = false;
          void this.reloadAll();
        }
        this.rejoin();
        void this.outbox.flush();
        this.changed();
      }),
      this.realtime.on('resync', () => void this.reloadAll()),
      this.realtime.on('error', (error) => this.report(error)),
      this.outbox.on('pending', (count) => {
        this.pending = count;
        this.changed();
      }),
      this.outbox.on('applied', ({ entry, note }) => {
        if (entry.kind === 'create') this.created(note.id);
        this.confirmed(entry.changes, note);
      }),
      this.outbox.on('conflict', (conflict) => {
        this.keep(conflict.server);
        this.conflict = conflict;
        this.changed();
      }),
      this.outbox.on('folderCreated', ({ folder }) => {
        this.pendingFolders.delete(folder.id);
        this.upsertFolder(folder);
      }),
      this.outbox.on('failed', ({ entry, error }) => {
        if (entry.kind === 'create-folder') {
          this.pendingFolders.delete(entry.noteId);
          this.folders = this.folders.filter((folder) => folder.id !== entry.noteId);
        }
        if (entry.kind === 'create') {
          this.pendingCreates.delete(entry.noteId);
          this.forget(entry.noteId);
        }
        this.local.discard(entry.noteId);
        this.report(error);
      }),
    );
    const flushOnHide = () => this.flushAllEdits();
    window.addEventListener('pagehide', flushOnHide);
    this.stops.push(() => window.removeEventListener('pagehide', flushOnHide));
    // Edits queued before a reload (kept in IndexedDB) stay on screen until the server has them.
    void this.outbox.pending().then((entries) => {
      this.pending = entries.length;
      for (const entry of entries) {
        if (entry.kind === 'create') this.placeholder(entry.noteId, entry.changes);
        else if (entry.kind === 'create-folder' && entry.folder) {
          this.folderPlaceholder(entry.noteId, entry.folder.name, entry.folder.parentId);
        } else this.markDirty(entry.noteId, entry.changes);
      }
      this.changed();
    });
    this.realtime.connect();
    void this.reloadAll();
  }

  stop(): void {
    this.flushAllEdits();
    // This store flushes its outbox itself while it runs; a stopped one (signed out, another
    // user signing in) must not replay into someone else's session.
    this.client.releaseOutbox(this.outbox);
    for (const stop of this.stops.splice(0)) stop();
    for (const timer of this.timers.values()) clearTimeout(timer);
  }

  // --- reading -------------------------------------------------------------------------------

  async reloadAll(): Promise<void> {
    await Promise.all([this.reloadFolders(), this.reloadTags(), this.reloadList()]);
  }

  async reloadList(): Promise<void> {
    const seq = ++this.listSeq;
    const view = this.view;
    this.loading = true;
    this.changed();
    try {
      const page = await this.client.notes.list({
        ...viewQuery(view, this.search),
        limit: PAGE_SIZE,
      });
      if (seq !== this.listSeq) return;
      this.nextCursor = page.nextCursor;
      for (const note of page.notes) this.keep(note);
      // Drop what the server no longer lists for this view (changed while we were away).
      for (const [id, note] of this.server) {
        if (this.pendingCreates.has(id)) continue; // not on the server yet
        if (matchesView(note, view, this.search) && !page.notes.some((n) => n.id === id)) {
          if (!page.nextCursor) this.server.delete(id);
        }
      }
    } catch (error) {
      this.reportRead(error);
    } finally {
      if (seq === this.listSeq) this.loading = false;
      this.changed();
    }
  }

  /** The next page of the current view (the list shows every note known for the view). */
  async loadMore(): Promise<void> {
    const cursor = this.nextCursor;
    if (!cursor) return;
    const seq = this.listSeq;
    try {
      const page = await this.client.notes.list({
        ...viewQuery(this.view, this.search),
        limit: PAGE_SIZE,
        cursor,
      });
      if (seq !== this.listSeq) return; // the view or search changed meanwhile
      for (const note of page.notes) this.keep(note);
      this.nextCursor = page.nextCursor;
    } catch (error) {
      this.reportRead(error);
    } finally {
      this.changed();
    }
  }

  private async reloadFolders(): Promise<void> {
    try {
      const listed = await this.client.folders.list();
      // Folders made here and still on their way stay in the tree.
      const waiting = [...this.pendingFolders.values()].filter(
        (folder) => !listed.some((f) => f.id === folder.id),
      );
      this.folders = [...listed, ...waiting];
      this.changed();
    } catch (error) {
      this.reportRead(error);
    }
  }

  private async reloadTags(): Promise<void> {
    try {
      this.tags = await this.client.tags.list();
      this.changed();
    } catch (error) {
      this.reportRead(error);
    }
  }

  setView(view: View): void {
    this.view = view;
    this.changed();
    void this.reloadList();
  }

  setSearch(search: string): void {
    this.search = search;
    this.changed();
    void this.reloadList();
  }

  select(id: string | null): void {
    if (this.selectedId && this.selectedId !== id) {
      this.flushEdits(this.selectedId);
      this.realtime.send({ type: 'leave_note', noteId: this.selectedId });
    }
    this.selectedId = id;
    this.changed();
    // A note still being created exists only here: joined once the server has it.
    if (!id || this.pendingCreates.has(id)) return;
    this.realtime.send({ type: 'join_note', noteId: id });
    void this.refreshNote(id);
  }

  private async refreshNote(id: string): Promise<void> {
    try {
      this.keep(await this.client.notes.get(id));
      this.changed();
    } catch (error) {
      this.reportRead(error);
    }
  }

  // --- notes ---------------------------------------------------------------------------------

  /**
   * A new note, in the current folder, tag or starred view. It is shown and editable at once,
   * online or not: the create goes through the outbox with an id made here, so it is sent when
   * the server can be reached, applied once, and the edits typed meanwhile follow it.
   */
  createNote(): void {
    const fields: NoteChanges = {
      title: '',
      content: '',
      folderId: this.view.kind === 'folder' ? this.view.folderId : null,
      ...(this.view.kind === 'starred' ? { starred: true } : {}),
      ...(this.view.kind === 'tag' ? { tags: [this.view.tag] } : {}),
    };
    const id = crypto.randomUUID();
    this.placeholder(id, fields);
    this.select(id);
    void this.outbox
      .enqueueCreate(id, fields)
      .then(() => this.outbox.flush())
      .catch((error: unknown) => this.report(error));
  }

  /** The local copy of a note created here, until the server's (version 1 or later) replaces it. */
  private placeholder(id: string, fields: NoteChanges): void {
    const now = new Date().toISOString();
    this.pendingCreates.add(id);
    this.keep({
      id,
      folderId: null,
      title: '',
      content: '',
      encryptedTitle: null,
      encryptedContent: null,
      starred: false,
      archived: false,
      deleted: false,
      hidden: false,
      tags: [],
      ...fields,
      version: 0,
      createdAt: now,
      updatedAt: now,
    });
  }

  /** The server has a note created here: from now on it is an ordinary note. */
  private created(id: string): void {
    this.pendingCreates.delete(id);
    if (id === this.selectedId) this.realtime.send({ type: 'join_note', noteId: id });
  }

  /** A change typed in the editor: shown at once, sent after a short pause. */
  edit(id: string, changes: NoteChanges): void {
    this.markDirty(id, changes);
    this.unsent.set(id, { ...this.unsent.get(id), ...changes });
    clearTimeout(this.timers.get(id));
    this.timers.set(
      id,
      setTimeout(() => this.flushEdits(id), SAVE_DEBOUNCE_MS),
    );
    this.changed();
  }

  /** A one-click change (star, archive, move, tags): sent at once. */
  change(id: string, changes: NoteChanges): void {
    this.edit(id, changes);
    this.flushEdits(id);
  }

  flushEdits(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    const changes = this.unsent.get(id);
    if (!changes) return;
    this.unsent.delete(id);
    const baseVersion = this.server.get(id)?.version ?? 0;
    void this.outbox
      .enqueue(id, changes, baseVersion)
      .then(() => this.outbox.flush())
      .catch((error: unknown) => this.report(error));
  }

  private flushAllEdits(): void {
    for (const id of [...this.unsent.keys()]) this.flushEdits(id);
  }

  /** To the trash through the outbox (`deleted: true`), so it works offline like any edit. */
  trash(id: string): void {
    this.change(id, { deleted: true });
    if (this.selectedId === id) this.select(null);
  }

  restore(id: string): void {
    this.change(id, { deleted: false });
  }

  async deleteForever(id: string): Promise<void> {
    await this.run(async () => {
      // Queued changes of the note go first (a note created offline must exist to be deleted).
      this.flushEdits(id);
      await this.outbox.flush();
      await this.client.notes.deletePermanently(id);
      this.forget(id);
    });
  }

  async revert(id: string, version: number): Promise<void> {
    await this.run(async () => {
      this.flushEdits(id);
      await this.outbox.flush();
      this.local.discard(id);
      this.keep(await this.client.notes.revert(id, version));
    });
  }

  /** The user's answer to a conflict: keep the local changes on top of the server's, or drop them. */
  resolveConflict(keep: 'mine' | 'theirs'): void {
    const conflict = this.conflict;
    if (!conflict) return;
    this.conflict = null;
    if (keep === 'theirs') {
      this.local.discard(conflict.noteId);
      this.changed();
      return;
    }
    this.markDirty(conflict.noteId, conflict.local);
    void this.outbox
      .enqueue(conflict.noteId, conflict.local, conflict.server.version)
      .then(() => this.outbox.flush())
      .catch((error: unknown) => this.report(error));
    this.changed();
  }

  // --- folders -------------------------------------------------------------------------------

  /**
   * A new folder, shown at once and created through the outbox (with an id made here, applied
   * once), so it works offline and notes made or moved into it are sent after it.
   */
  async createFolder(name: string, parentId: string | null): Promise<void> {
    const id = crypto.randomUUID();
    this.folderPlaceholder(id, name, parentId);
    try {
      await this.outbox.enqueueFolderCreate(id, { name, parentId });
      await this.outbox.flush();
    } catch (error) {
      this.report(error);
    }
  }

  private folderPlaceholder(id: string, name: string, parentId: string | null): void {
    const now = new Date().toISOString();
    const folder: Folder = { id, name, parentId, sortOrder: 0, createdAt: now, updatedAt: now };
    this.pendingFolders.set(id, folder);
    this.upsertFolder(folder);
  }

  async updateFolder(
    id: string,
    changes: { name?: string; parentId?: string | null },
  ): Promise<void> {
    await this.run(async () => {
      await this.outbox.flush(); // a folder made offline must exist before it changes
      this.upsertFolder(await this.client.folders.update(id, changes));
    });
  }

  async deleteFolder(id: string): Promise<void> {
    await this.run(async () => {
      await this.outbox.flush();
      await this.client.folders.delete(id);
      this.folders = this.folders.filter((folder) => folder.id !== id);
      if (this.view.kind === 'folder' && this.view.folderId === id) this.setView({ kind: 'all' });
      else void this.reloadList();
      void this.reloadFolders();
    });
  }

  // --- tags ----------------------------------------------------------------------------------

  /** Renames a tag everywhere: the notes shown here follow at once, the view too. */
  async renameTag(tag: Tag, name: string): Promise<void> {
    await this.run(async () => {
      const renamed = await this.client.tags.update(tag.id, { name });
      this.retagNotes(tag.name, renamed.name);
      this.tags = this.tags.map((t) => (t.id === tag.id ? renamed : t));
      if (this.view.kind === 'tag' && this.view.tag === tag.name) {
        this.setView({ kind: 'tag', tag: renamed.name });
      }
      void this.reloadTags();
    });
  }

  /** Deletes a tag; its notes stay, without it. */
  async deleteTag(tag: Tag): Promise<void> {
    await this.run(async () => {
      await this.client.tags.delete(tag.id);
      this.retagNotes(tag.name, null);
      this.tags = this.tags.filter((t) => t.id !== tag.id);
      if (this.view.kind === 'tag' && this.view.tag === tag.name) this.setView({ kind: 'all' });
      void this.reloadTags();
    });
  }

  /** The server renamed or removed a tag on its notes; the copies here follow. */
  private retagNotes(from: string, to: string | null): void {
    for (const [id, note] of this.server) {
      if (!note.tags.includes(from)) continue;
      const others = note.tags.filter((t) => t !== from);
      const tags = to === null ? others : [...new Set([...others, to])].sort();
      this.server.set(id, { ...note, tags });
    }
  }

  dismissProblem(): void {
    this.problem = null;
    this.changed();
  }

  report(error: unknown): void {
    this.problem = humanMessage(error);
    this.changed();
  }

  /**
   * A read that could not reach the server: the connection indicator already says so and the
   * cached copy stays on screen, so only other failures are worth a message.
   */
  private reportRead(error: unknown): void {
    if (isTidingsError(error, 'NETWORK_ERROR')) this.staleReads = true;
    else this.report(error);
  }

  // --- live events ---------------------------------------------------------------------------

  private apply(event: SyncEvent): void {
    switch (event.type) {
      case 'note_created_sync':
        this.keep(event.noteData);
        if (event.noteData.tags.length > 0) void this.reloadTags();
        break;
      case 'note_sync': {
        const known = this.server.get(event.noteId);
        if (known) this.keep({ ...known, ...event.updatedNote } as Note);
        else void this.refreshNote(event.noteId);
        // Connections that did not join a note get no content; the open note needs it.
        if (event.noteId === this.selectedId && !('content' in event.updatedNote)) {
          void this.refreshNote(event.noteId);
        }
        if (event.changes.tags) void this.reloadTags();
        break;
      }
      case 'note_deleted_sync':
        if (event.permanent) this.forget(event.noteId);
        else {
          const note = this.server.get(event.noteId);
          if (note) this.server.set(event.noteId, { ...note, deleted: true });
          if (this.selectedId === event.noteId) this.selectedId = null;
        }
        break;
      case 'folder_created_sync':
        this.upsertFolder(event.folderData);
        break;
      case 'folder_updated_sync':
        this.upsertFolder(event.updatedFolder);
        break;
      case 'folder_deleted_sync':
        this.folders = this.folders.filter((folder) => folder.id !== event.folderId);
        break;
    }
    this.changed();
  }

  private confirmed(sent: NoteChanges, note: Note): void {
    this.keep(note);
    this.local.confirm(note.id, sent);
    // Tags named on a note are created on the way; our own write's event does not come back.
    if (sent.tags) void this.reloadTags();
    this.changed();
  }

  private rejoin(): void {
    if (this.selectedId) this.realtime.send({ type: 'join_note', noteId: this.selectedId });
  }

  /**
   * Stores the server's copy of a note unless a newer one is already here: answers race (a GET
   * sent before an edit can arrive after the edit's reply) and must not roll a note back.
   */
  private keep(note: Note): void {
    const known = this.server.get(note.id);
    if (known && known.version > note.version) return;
    this.server.set(note.id, note);
  }

  private markDirty(id: string, changes: NoteChanges): void {
    this.local.add(id, changes);
  }

  private forget(id: string): void {
    this.server.delete(id);
    this.local.discard(id);
    if (this.selectedId === id) this.selectedId = null;
  }

  private upsertFolder(folder: Folder): void {
    this.folders = [...this.folders.filter((f) => f.id !== folder.id), folder];
    this.changed();
  }

  private async run(action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.report(error);
    } finally {
      this.changed();
    }
  }

  private display(note: Note): Note {
    return this.local.apply(note);
  }

  private build(): WorkspaceSnapshot {
    const notes = [...this.server.values()]
      .map((note) => this.display(note))
      .filter((note) => matchesView(note, this.view, this.search))
      .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || b.id.localeCompare(a.id));
    const selected = this.selectedId ? this.server.get(this.selectedId) : undefined;
    return {
      folders: [...this.folders].sort(
        (a, b) => a.sortOrder - b.sortOrder || a.name.localeCompare(b.name),
      ),
      tags: this.tags,
      notes,
      view: this.view,
      search: this.search,
      selected: selected ? this.display(selected) : null,
      connection: this.realtime.state,
      transport: this.realtime.transportInUse,
      lastSyncAt: this.realtime.lastSyncAt,
      unsaved: this.pending + this.unsent.size,
      pendingNoteIds: new Set(this.pendingCreates),
      conflict: this.conflict,
      problem: this.problem,
      loading: this.loading,
      hasMore: this.nextCursor !== null,
    };
  }

  private changed(): void {
    this.snapshot = this.build();
    for (const listener of [...this.listeners]) listener();
  }
}

export { ConnectionState };
