import type { RawData } from 'ws';
import { decodeFrame } from './inbound-message';

/** Reads a note's owner (the notes service's grouped lookup); undefined when there is none. */
export type ReadOwner = (noteId: string) => Promise<string | undefined>;

/** At most this many joins of one connection are read early; any more are read in their turn. */
export const MAX_EARLY_JOINS = 4;

/**
 * The owner reads of the `join_note`s a client sends right behind its `auth`, without waiting
 * for the answer (one round trip instead of two, as a reconnecting client does). Handled in
 * order, a join's read would start only once the session read had answered, and each read
 * waits for its own round of grouped reads (store/batched-lookup.ts): two rounds per connect.
 * Started as soon as the token's signature verifies, they share the session read's round.
 *
 * Nothing is read before the token verifies: a client without a valid token cannot make the
 * server read anything. The join still compares the owner with the authenticated user in its
 * turn, and a read started after the join arrived answers it as one started in its turn would.
 */
export class EarlyOwnerReads {
  private readonly waiting: string[] = [];
  private readonly reads = new Map<string, Promise<string | undefined>>();
  private verified = false;

  constructor(private readonly readOwner: ReadOwner) {}

  /** A `join_note` for this note arrived before authentication was complete. */
  noteJoin(noteId: string): void {
    if (this.reads.has(noteId) || this.waiting.includes(noteId)) return;
    if (this.reads.size + this.waiting.length >= MAX_EARLY_JOINS) return;
    if (this.verified) this.start(noteId);
    else this.waiting.push(noteId);
  }

  /** The token's signature and claims are valid: the reads of the joins noted so far start. */
  tokenVerified(): void {
    this.verified = true;
    for (const noteId of this.waiting.splice(0)) this.start(noteId);
  }

  /** The read started for this note, handed out once; undefined when none was. */
  take(noteId: string): Promise<string | undefined> | undefined {
    const read = this.reads.get(noteId);
    this.reads.delete(noteId);
    return read;
  }

  private start(noteId: string): void {
    const read = this.readOwner(noteId);
    // A read whose join never runs (authentication failed) must not be an unhandled rejection;
    // the join that takes it still sees the failure.
    read.catch(() => undefined);
    this.reads.set(noteId, read);
  }
}

/** The note a frame asks to join, if it is a plain `join_note`; anything else is undefined. */
export function joinedNoteIdOf(data: RawData, isBinary: boolean): string | undefined {
  let value: unknown;
  try {
    value = decodeFrame(data, isBinary);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { type, noteId } = value as { type?: unknown; noteId?: unknown };
  return type === 'join_note' && typeof noteId === 'string' ? noteId : undefined;
}
