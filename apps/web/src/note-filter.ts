import type { NoteListQuery } from '@tidings/client';
import type { Note } from '@tidings/protocol';

/** What the notes list shows. */
export type View =
  | { kind: 'all' }
  | { kind: 'starred' }
  | { kind: 'archived' }
  | { kind: 'trash' }
  | { kind: 'folder'; folderId: string }
  | { kind: 'tag'; tag: string };

export function viewQuery(view: View, search: string): NoteListQuery {
  const q = search.trim() || undefined;
  switch (view.kind) {
    case 'all':
      return { archived: false, q };
    case 'starred':
      return { starred: true, q };
    case 'archived':
      return { archived: true, q };
    case 'trash':
      return { deleted: true, q };
    case 'folder':
      return { folderId: view.folderId, q };
    case 'tag':
      return { tag: view.tag, q };
  }
}

/**
 * Whether a note belongs in the list, the same rule the server applies: live events change notes
 * in place, and a note that stops (or starts) matching leaves (or joins) the list at once.
 */
export function matchesView(note: Partial<Note>, view: View, search: string): boolean {
  const q = search.trim().toLowerCase();
  if (q) {
    const text = `${note.title ?? ''}\n${note.content ?? ''}`.toLowerCase();
    // Live events may omit content; a title miss is then not proof, so keep what the server sent.
    if (!text.includes(q) && note.content !== undefined) return false;
  }
  if (view.kind === 'trash') return note.deleted === true;
  if (note.deleted) return false;
  switch (view.kind) {
    case 'all':
      return !note.archived;
    case 'starred':
      return note.starred === true;
    case 'archived':
      return note.archived === true;
    case 'folder':
      return note.folderId === view.folderId;
    case 'tag':
      return (note.tags ?? []).some((tag) => tag.toLowerCase() === view.tag.toLowerCase());
  }
}

export function viewTitle(view: View, folderName?: string): string {
  switch (view.kind) {
    case 'all':
      return 'All notes';
    case 'starred':
      return 'Starred';
    case 'archived':
      return 'Archived';
    case 'trash':
      return 'Trash';
    case 'folder':
      return folderName ?? 'Folder';
    case 'tag':
      return `Tag: ${view.tag}`;
  }
}
