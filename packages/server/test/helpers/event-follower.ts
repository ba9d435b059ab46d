import type { Note } from '@tidings/protocol';
import { openSse, type SseStream } from './sse-client';

/** What one following client saw, for the convergence report. */
export interface FollowerCounts {
  applied: number;
  /** Changes applied while catching up after a (re)connect, before `ready` / `resumed`. */
  replayed: number;
  duplicates: number;
  gaps: number;
  reconnects: number;
  resyncs: number;
}

/**
 * One user's copy of their notes, kept by applying change events once, in seq order, and the
 * counts that prove it: duplicates, gaps and resyncs must stay zero.
 */
export abstract class ChangeFollower {
  readonly notes = new Map<string, Note>();
  readonly counts: FollowerCounts = {
    applied: 0,
    replayed: 0,
    duplicates: 0,
    gaps: 0,
    reconnects: 0,
    resyncs: 0,
  };
  lastSeq = 0;
  protected stopped = false;
  /** True from a (re)connect until the server says the catch-up is done. */
  protected catchingUp = true;

  protected apply(type: string, seq: number | undefined, data: unknown): void {
    if (type === 'resync_required') this.counts.resyncs++;
    if (type === 'ready' || type === 'resumed') this.catchingUp = false;
    if (seq === undefined) return; // ready, resumed, token_expired, ...: not changes
    if (seq <= this.lastSeq) {
      this.counts.duplicates++;
      return;
    }
    if (seq !== this.lastSeq + 1) this.counts.gaps++;
    this.lastSeq = seq;
    this.counts.applied++;
    if (this.catchingUp) this.counts.replayed++;
    const body = data as {
      noteData?: Note;
      updatedNote?: Note;
      noteId?: string;
      permanent?: boolean;
    };
    if (type === 'note_deleted_sync' && body.noteId) {
      const note = this.notes.get(body.noteId);
      if (body.permanent) this.notes.delete(body.noteId);
      else if (note) this.notes.set(body.noteId, { ...note, deleted: true });
    }
    if (type === 'note_created_sync' && body.noteData) {
      this.notes.set(body.noteData.id, body.noteData);
    }
    if (type === 'note_sync' && body.updatedNote && body.noteId) {
      this.notes.set(body.noteId, { ...this.notes.get(body.noteId), ...body.updatedNote } as Note);
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

  /**
   * Reconnects for as long as the follower runs: `follow` reads one connection to `url` until it
   * ends; then the next url is tried (an instance died or drained), from `firstChoice` on.
   */
  protected async followAcross(
    urls: () => string[],
    firstChoice: number,
    follow: (url: string) => Promise<void>,
  ): Promise<void> {
    let attempt = firstChoice;
    while (!this.stopped) {
      const candidates = urls();
      this.catchingUp = true;
      try {
        await follow(candidates[attempt++ % candidates.length] as string);
      } catch {
        // Closed, refused or gone: try the next instance.
      }
      if (this.stopped) break;
      this.counts.reconnects++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Drops the current connection at once, as a flaky network does; the follower reconnects. */
  abstract disrupt(): void;

  abstract stop(): Promise<void>;
}

/**
 * Follows over SSE the way a real client does: when its stream ends or its instance dies it
 * reconnects to another instance with Last-Event-ID.
 */
export class EventFollower extends ChangeFollower {
  private stream: SseStream | null = null;
  private readonly done: Promise<void>;

  constructor(
    private readonly urls: () => string[],
    private readonly headers: Record<string, string>,
    /** Which of the urls to try first (spreads followers over instances). */
    private readonly firstChoice = 0,
  ) {
    super();
    this.done = this.run();
  }

  private run(): Promise<void> {
    return this.followAcross(this.urls, this.firstChoice, async (url) => {
      this.stream = await openSse(`${url}/api/events`, {
        ...this.headers,
        'last-event-id': String(this.lastSeq),
      });
      for (;;) {
        const frame = await this.stream.next(3_600_000);
        if (!frame) return;
        this.apply(frame.event, frame.id === undefined ? undefined : Number(frame.id), frame.data);
      }
    });
  }

  disrupt(): void {
    this.stream?.close();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stream?.close();
    await this.done;
  }
}
