import { randomUUID } from 'node:crypto';

/** One edit a test client makes: the same random mix for REST and WebSocket writers. */
export type Edit =
  | { kind: 'create'; noteId: string; title: string }
  | { kind: 'update'; noteId: string; content: string }
  | { kind: 'trash'; noteId: string }
  | { kind: 'destroy'; noteId: string };

/**
 * Picks the next edit over the notes this writer created: mostly updates, some creates, now and
 * then a note to the trash or deleted for good. Notes it deleted for good are forgotten.
 */
export class EditScript {
  private readonly noteIds: string[] = [];

  constructor(private readonly allowDeletes: boolean) {}

  next(): Edit {
    const roll = Math.random();
    if (this.noteIds.length < 3 || roll < 0.25) {
      const noteId = randomUUID();
      this.noteIds.push(noteId);
      return { kind: 'create', noteId, title: `note ${noteId.slice(0, 8)}` };
    }
    const index = Math.floor(Math.random() * this.noteIds.length);
    const noteId = this.noteIds[index] as string;
    if (this.allowDeletes && roll > 0.97) {
      this.noteIds.splice(index, 1);
      return { kind: 'destroy', noteId };
    }
    if (this.allowDeletes && roll > 0.92) return { kind: 'trash', noteId };
    return { kind: 'update', noteId, content: randomUUID() };
  }
}
