import type { SyncEvent } from '@tidings/protocol';
import type { ChangeLogReader } from './change-log-reader';

/** Events read from the log per query while catching up; bounds memory for large gaps. */
export const REPLAY_PAGE_SIZE = 500;
/** Live events held while a gap is filled; past this they are dropped and re-read from the log. */
const MAX_HELD_EVENTS = 1_000;

/** Where a cursor's events go. An object rather than two closures: there is one per socket. */
export interface DeliverySink {
  /** Writes one event to the transport, in seq order, each seq once. */
  deliver(event: SyncEvent): void;
  /** Reports a failure to read the log (the stream should end so the client resumes later). */
  deliveryFailed(error: unknown): void;
}

export interface OrderedDeliveryOptions {
  userId: string;
  reader: ChangeLogReader;
  /** The seq the client has already applied; delivery starts right after it. */
  startSeq: number;
  sink: DeliverySink;
  /** Bounds how many connections read the log at once (a restart must not stampede Postgres). */
  limiter?: ConcurrencyLimiter;
}

/**
 * Delivers one user's events to one connection exactly once and in seq order, whatever the bus
 * does: an event that arrives out of order waits while the gap before it is read from the change
 * log, a duplicate is dropped, and a lost bus message is recovered as soon as any later event (or
 * a `catchUp`) shows the gap. The common case, the next seq arriving live, costs no query.
 */
export class OrderedDelivery {
  private lastSeq: number;
  private targetSeq: number;
  /** Live events that arrived ahead of a gap; made on the first one (most cursors never need it). */
  private held: Map<number, SyncEvent> | null = null;
  private pumping: Promise<void> | null = null;
  private closed = false;

  // The options' fields kept one by one, not the options object: there is a cursor per socket.
  private readonly userId: string;
  private readonly reader: ChangeLogReader;
  private readonly sink: DeliverySink;
  private readonly limiter: ConcurrencyLimiter | undefined;

  constructor(options: OrderedDeliveryOptions) {
    this.userId = options.userId;
    this.reader = options.reader;
    this.sink = options.sink;
    this.limiter = options.limiter;
    this.lastSeq = options.startSeq;
    this.targetSeq = options.startSeq;
  }

  /** The last seq delivered to the transport. */
  get deliveredSeq(): number {
    return this.lastSeq;
  }

  /** Takes a live event from the bus. */
  push(event: SyncEvent): void {
    if (this.closed || event.seq <= this.lastSeq) return;
    if (event.seq === this.lastSeq + 1 && !this.pumping) {
      this.emit(event);
      return;
    }
    this.held ??= new Map();
    if (this.held.size < MAX_HELD_EVENTS) this.held.set(event.seq, event);
    this.targetSeq = Math.max(this.targetSeq, event.seq);
    this.kick();
  }

  /** Delivers everything up to `seq` (from the log where needed); resolves when done. */
  async catchUp(seq: number): Promise<void> {
    this.targetSeq = Math.max(this.targetSeq, seq);
    this.kick();
    while (this.pumping) await this.pumping;
  }

  close(): void {
    this.closed = true;
    this.held = null;
  }

  private kick(): void {
    if (this.pumping || this.closed) return;
    this.pumping = this.pump()
      .catch((error: unknown) => {
        if (!this.closed) this.sink.deliveryFailed(error);
      })
      .finally(() => {
        this.pumping = null;
        // Events that arrived while the last read was in flight may need another round.
        if (!this.closed && this.targetSeq > this.lastSeq) this.kick();
      });
  }

  private async pump(): Promise<void> {
    while (!this.closed && this.lastSeq < this.targetSeq) {
      const next = this.held?.get(this.lastSeq + 1);
      if (next) {
        this.held?.delete(next.seq);
        this.emit(next);
        continue;
      }
      const page = await this.readPage();
      if (page.length === 0) {
        // Nothing in the log beyond lastSeq yet: the target was a claim we cannot fill now.
        this.targetSeq = this.lastSeq;
        break;
      }
      if (page[0]!.seq !== this.lastSeq + 1) {
        // A hole in the log means entries were pruned under us: the client must resync.
        throw new ChangeLogGapError(this.lastSeq + 1, page[0]!.seq);
      }
      for (const event of page) {
        if (this.closed) return;
        if (event.seq === this.lastSeq + 1) this.emit(event);
      }
    }
  }

  private async readPage(): Promise<SyncEvent[]> {
    const read = () =>
      this.reader.read(this.userId, this.lastSeq, REPLAY_PAGE_SIZE, this.targetSeq);
    return this.limiter ? this.limiter.run(read) : read();
  }

  private emit(event: SyncEvent): void {
    this.lastSeq = event.seq;
    this.held?.delete(event.seq);
    this.sink.deliver(event);
  }
}

export class ChangeLogGapError extends Error {
  constructor(expected: number, found: number) {
    super(`change log has no entry ${expected} (next is ${found})`);
    this.name = 'ChangeLogGapError';
  }
}

/** A counting semaphore: at most `limit` tasks run at once, the rest wait in order. */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
