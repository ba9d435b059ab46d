import type { Note, NoteChanges } from '@tidings/protocol';

/**
 * Values typed here that the server has not confirmed yet, per note and field. They win on
 * screen over the server's copy, so an echo or a live event never undoes what the user just
 * typed; a field leaves once the server confirms exactly that value.
 */
export class LocalEdits {
  private readonly byNote = new Map<string, NoteChanges>();

  add(noteId: string, changes: NoteChanges): void {
    this.byNote.set(noteId, { ...this.byNote.get(noteId), ...changes });
  }

  /** The server applied `sent`: fields still holding those values are no longer local. */
  confirm(noteId: string, sent: NoteChanges): void {
    const local = this.byNote.get(noteId);
    if (!local) return;
    for (const [field, value] of Object.entries(sent)) {
      const key = field as keyof NoteChanges;
      if (JSON.stringify(local[key]) === JSON.stringify(value)) delete local[key];
    }
    if (Object.keys(local).length === 0) this.byNote.delete(noteId);
  }

  discard(noteId: string): void {
    this.byNote.delete(noteId);
  }

  /** The note as the user should see it. */
  apply(note: Note): Note {
    const local = this.byNote.get(note.id);
    return local ? { ...note, ...local } : note;
  }
}
