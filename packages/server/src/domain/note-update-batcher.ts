import type { Note, NoteChanges } from '@tidings/protocol';
import type { Actor } from './services';

/** One `note_update` (WebSocket or REST) waiting for its group commit. */
export interface NoteUpdateRequest {
  actor: Actor;
  /** Already checked to be a uuid and lower-cased. */
  noteId: string;
  /** Never carries `tags`: tag changes take the single-change path. */
  changes: NoteChanges;
  baseVersion: number | undefined;
}

/** Each request's own result: one failing item never fails the others. */
export type UpdateOutcome = { ok: true; note: Note; seq?: number } | { ok: false; error: unknown };

/** A committed update: the note after it and, when it changed anything, its change's seq. */
export interface UpdateResult {
  note: Note;
  seq?: number;
}

export interface NoteUpdateBatcherOptions {
  /** How long the first write of a batch waits for company; 0 means to the end of this tick. */
  windowMs: number;
  /** Upper bound on the writes applied in one transaction. */
  maxBatch: number;
  /** Applies a batch in one transaction; outcomes in request order. */
  applyBatch: (requests: readonly NoteUpdateRequest[]) => Promise<UpdateOutcome[]>;
  /** Applies one write alone: used when a whole batch's transaction fails, to isolate the cause. */
  applyOne: (request: NoteUpdateRequest) => Promise<Note>;
}

interface Waiting {
  request: NoteUpdateRequest;
  resolve: (result: UpdateResult) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for note updates. On PGlite every statement costs about half a millisecond of
 * WebAssembly time, so a transaction per keystroke caps the server at a few hundred writes a
 * second; writes that arrive together share one transaction of set-based statements instead.
 * One batch runs at a time: while it commits, the next one gathers, so batches grow with load
 * and an idle server adds no more than `windowMs`. A connection sends its next message only
 * after the previous one answered, so its own writes are never reordered.
 */
export function createNoteUpdateBatcher(options: NoteUpdateBatcherOptions): {
  submit(request: NoteUpdateRequest): Promise<UpdateResult>;
} {
  let queue: Waiting[] = [];
  let scheduled = false;
  let running = false;

  function schedule(delayMs: number): void {
    if (scheduled || running) return;
    scheduled = true;
    if (delayMs > 0) setTimeout(flush, delayMs);
    else setImmediate(flush);
  }

  async function flush(): Promise<void> {
    scheduled = false;
    if (running || queue.length === 0) return;
    running = true;
    const batch = queue.slice(0, options.maxBatch);
    queue = queue.slice(batch.length);
    try {
      await settle(batch);
    } finally {
      running = false;
      // These waited during the commit already: no window for them.
      if (queue.length > 0) schedule(0);
    }
  }

  async function settle(batch: Waiting[]): Promise<void> {
    let outcomes: UpdateOutcome[];
    try {
      outcomes = await options.applyBatch(batch.map((waiting) => waiting.request));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      // Something no per-item check foresaw (a deadlock, a constraint): retry each alone, in
      // arrival order, so only the write that causes it fails.
      for (const waiting of batch) {
        await options
          .applyOne(waiting.request)
          .then((note) => waiting.resolve({ note }), waiting.reject);
      }
      return;
    }
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index];
      if (outcome?.ok) waiting.resolve({ note: outcome.note, seq: outcome.seq });
      else waiting.reject(outcome ? outcome.error : new Error('batch returned too few outcomes'));
    });
  }

  return {
    submit(request) {
      return new Promise<UpdateResult>((resolve, reject) => {
        queue.push({ request, resolve, reject });
        if (queue.length >= options.maxBatch) schedule(0);
        else schedule(options.windowMs);
      });
    },
  };
}
