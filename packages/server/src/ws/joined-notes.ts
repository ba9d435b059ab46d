/**
 * The notes one connection has joined, kept small: none (null), the one note most connections
 * join (its id), or a Set from the second note on. A Set with one entry costs about 150 bytes of
 * hash table, for each of tens of thousands of idle connections.
 */
export type JoinedNotes = null | string | Set<string>;

export function hasJoined(joined: JoinedNotes, noteId: string): boolean {
  if (joined === null) return false;
  return typeof joined === 'string' ? joined === noteId : joined.has(noteId);
}

export function joinedCount(joined: JoinedNotes): number {
  if (joined === null) return 0;
  return typeof joined === 'string' ? 1 : joined.size;
}

/** `joined` with `noteId` added (the Set, if there is one, is changed in place). */
export function withJoined(joined: JoinedNotes, noteId: string): JoinedNotes {
  if (joined === null || joined === noteId) return noteId;
  if (typeof joined === 'string') return new Set([joined, noteId]);
  return joined.add(noteId);
}

/** `joined` without `noteId` (the Set, if there is one, is changed in place). */
export function withoutJoined(joined: JoinedNotes, noteId: string): JoinedNotes {
  if (joined === null || typeof joined === 'string') return joined === noteId ? null : joined;
  joined.delete(noteId);
  return joined.size === 0 ? null : joined;
}
