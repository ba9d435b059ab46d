import type { Note } from '@tidings/protocol';
import { openSse, type SseStream } from './sse-client';

/** What one following client saw, for the convergence report. */
export interface FollowerCounts {
  applied: number;
  duplicates: number;
  gaps: number;
  reconnects: number;
  resyncs: number;
}

/**
 * A client that follows one user's events over SSE the way a real one does: when its stream
 * ends or its instance dies it reconnects to another instance with Last-Event-ID, applying
 * each change once, in seq order, to its own copy of the user's notes.
 */
export class EventFollower {
  readonly notes = new Map<string, Note>();
  readonly counts: FollowerCounts = {
    applied: 0,
    duplicates: 0,
    gaps: 0,
    reconnects: 0,
    resyncs: 0,
  };
  lastSeq = 0;
  private stopped = false;
  private stream: SseStream | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly urls: () => string[],
    private readonly headers: Record<string, string>,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const candidates = this.urls();
      const url = candidates[attempt++ % candidates.length];
      try {
        this.stream = await openSse(`${url}/api/events`, {
          ...this.headers,
          'last-event-id': String(this.lastSeq),
        });
        for (;;) {
          const frame = await this.stream.next(3_600_000);
          if (!frame) break;
          this.apply(frame.event, frame.id, frame.data);
        }
      } catch {
        // The instance is gone or refused: try the next one.
      }
      if (this.stopped) break;
      this.counts.reconnects++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  private apply(event: string, id: string | undefined, data: unknown): void {
    if (event === 'resync_required') this.counts.resyncs++;
    if (id === undefined) return; // ready, token_expired, ...: not changes
    const seq = Number(id);
    if (seq <= this.lastSeq) {
      this.counts.duplicates++;
      return;
    }
    if (seq !== this.lastSeq + 1) this.counts.gaps++;
    this.lastSeq = seq;
    this.counts.applied++;
    const body = data as { noteData?: Note; updatedNote?: Note; noteId?: string };
    if (event === 'note_created_sync' && body.noteData)
      this.notes.set(body.noteData.id, body.noteData);
    if (event === 'note_sync' && body.updatedNote && body.noteId) {
      this.notes.set(body.noteId, body.updatedNote);
    }
  }

  /** Resolves once the follower has applied everything up to `seq`. */
  async waitFor(seq: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.lastSeq < seq) {
      if (Date.now() > deadline) {
        throw new Error(`follower stuck at seq ${this.lastSeq}, expected ${seq}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stream?.close();
    await this.done;
  }
}
