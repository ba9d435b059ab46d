import type { Note, NoteChanges, NoteVersion } from '@tidings/protocol';
import type { AuthedHttp } from '../authed-http';
import { isTidingsError } from '../errors';

/** Filters of `GET /api/notes`; every one is optional and they combine. */
export interface NoteListQuery {
  folderId?: string;
  starred?: boolean;
  archived?: boolean;
  /** true: the trash; false (the server's default): notes not in the trash. */
  deleted?: boolean;
  hidden?: boolean;
  /** A tag name. */
  tag?: string;
  /** Case-insensitive text in the title or content. */
  q?: string;
  limit?: number;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
}

export interface NotePage {
  notes: Note[];
  nextCursor: string | null;
}

/** A new note; give it an `id` (a UUID) so a retried create applies once. */
export type NoteCreate = NoteChanges & { id?: string };

/** What a PATCH did: the new note, or the server's note when it moved on since `baseVersion`. */
export type NoteUpdateResult =
  { status: 'applied'; note: Note } | { status: 'conflict'; current: Note };

/** `/api/notes`: list, read, create, change, trash, restore, delete for good, versions, revert. */
export class NotesApi {
  constructor(private readonly api: AuthedHttp) {}

  list(query: NoteListQuery = {}, signal?: AbortSignal): Promise<NotePage> {
    return this.api.request<NotePage>({
      method: 'GET',
      path: '/api/notes',
      query: { ...query },
      signal,
    });
  }

  async get(id: string): Promise<Note> {
    const body = await this.api.request<{ note: Note }>({ method: 'GET', path: notePath(id) });
    return body.note;
  }

  async create(input: NoteCreate = {}): Promise<Note> {
    const body = await this.api.request<{ note: Note }>({
      method: 'POST',
      path: '/api/notes',
      body: input,
    });
    return body.note;
  }

  /**
   * Changes a note. With `baseVersion`, a note changed elsewhere since that version is not
   * overwritten: this throws a TidingsError VERSION_CONFLICT whose `details.current` is the
   * server's note (see `updateOrConflict` for the same as a value).
   */
  async update(id: string, changes: NoteChanges, baseVersion?: number): Promise<Note> {
    const body = await this.api.request<{ note: Note }>({
      method: 'PATCH',
      path: notePath(id),
      body: baseVersion === undefined ? changes : { ...changes, baseVersion },
    });
    return body.note;
  }

  /** `update` with a conflict returned rather than thrown, holding the server's version. */
  async updateOrConflict(
    id: string,
    changes: NoteChanges,
    baseVersion: number,
  ): Promise<NoteUpdateResult> {
    try {
      return { status: 'applied', note: await this.update(id, changes, baseVersion) };
    } catch (error) {
      const current = conflictCurrent(error);
      if (current) return { status: 'conflict', current };
      throw error;
    }
  }

  /** To the trash (`deleted: true`); `restore` brings it back. */
  async trash(id: string): Promise<void> {
    await this.api.request<void>({ method: 'DELETE', path: notePath(id) });
  }

  /** Gone for good. */
  async deletePermanently(id: string): Promise<void> {
    await this.api.request<void>({
      method: 'DELETE',
      path: notePath(id),
      query: { permanent: true },
    });
  }

  async restore(id: string): Promise<Note> {
    const body = await this.api.request<{ note: Note }>({
      method: 'POST',
      path: `${notePath(id)}/restore`,
    });
    return body.note;
  }

  /** Earlier versions, newest first. */
  async versions(id: string): Promise<NoteVersion[]> {
    const body = await this.api.request<{ versions: NoteVersion[] }>({
      method: 'GET',
      path: `${notePath(id)}/versions`,
    });
    return body.versions;
  }

  /** Makes an earlier version's title and content current again, as a new version. */
  async revert(id: string, version: number): Promise<Note> {
    const body = await this.api.request<{ note: Note }>({
      method: 'POST',
      path: `${notePath(id)}/versions/${encodeURIComponent(String(version))}/revert`,
    });
    return body.note;
  }
}

/** The server's note carried by a VERSION_CONFLICT, or null for any other error. */
export function conflictCurrent(error: unknown): Note | null {
  if (!isTidingsError(error, 'VERSION_CONFLICT')) return null;
  const current = (error.details as { current?: Note } | undefined)?.current;
  return current && typeof current.id === 'string' ? current : null;
}

function notePath(id: string): string {
  return `/api/notes/${encodeURIComponent(id)}`;
}
