/** Types shared by the coordinator, the load workers and the targets. */

/** `tidings-pg` is Tidings on a real Postgres instead of the embedded PGlite. */
export type TargetKind = 'ws' | 'socketio' | 'tidings' | 'tidings-pg';

export const TARGET_LABELS: Record<TargetKind, string> = {
  ws: 'raw ws',
  socketio: 'Socket.IO',
  tidings: 'Tidings (PGlite)',
  'tidings-pg': 'Tidings (Postgres)',
};

/** One connection a worker opens: which room it joins and, for Tidings, as whom. */
export interface ConnectionSpec {
  room: number;
  publisher: boolean;
  /** Tidings: an access token of the room's owner, and the note that is the room. */
  token?: string;
  noteId?: string;
}

export interface MemorySample {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}
