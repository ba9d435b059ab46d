import type { ChangeLogReader } from './change-log-reader';
import type { ConcurrencyLimiter } from './ordered-delivery';

/** How often a paced replay checks whether the client has read enough for the next page. */
const DRAIN_POLL_MS = 10;

/** The connection a budget watches: an object, not two closures, because every socket has one. */
export interface BudgetedStream {
  /** Bytes written and not yet taken by the client. */
  queuedBytes(): number;
  hasEnded(): boolean;
}

/**
 * How far one connection (a WebSocket or an SSE stream) may fall behind its client. A reader that
 * stops reading must not grow server memory without bound, so more than `capBytes` unread is the
 * end of the connection (it can resume later). A replay is different: each page of the log is
 * written in one burst and may pass the cap; what it leaves queued becomes an allowance that only
 * shrinks as the client reads it down, and the next page waits until the queue is below half the
 * cap. A large catch-up is thus paced by the client instead of cut off.
 */
export class SendBudget {
  private backlog = 0;
  private inReplayPage = false;

  constructor(
    private readonly stream: BudgetedStream,
    private readonly capBytes: number,
  ) {}

  /** Resolves once the queue is below half the cap (or the connection ended). */
  async whenWritable(): Promise<void> {
    while (!this.stream.hasEnded() && this.stream.queuedBytes() > this.capBytes / 2) {
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  /** A page of a replay is about to be written synchronously; the burst ends with this tick. */
  pageArriving(): void {
    this.inReplayPage = true;
    setImmediate(() => {
      this.inReplayPage = false;
      this.backlog = this.stream.queuedBytes();
    });
  }

  /** Call before each write. */
  beforeWrite(): void {
    if (!this.inReplayPage) this.backlog = Math.min(this.backlog, this.stream.queuedBytes());
  }

  /** Call after each write: true when the client has fallen further behind than allowed. */
  exceeded(): boolean {
    return !this.inReplayPage && this.stream.queuedBytes() > this.backlog + this.capBytes;
  }
}

/**
 * The change log as one connection's cursor reads it: each page waits until the client has read
 * most of the previous one (outside the replay limiter, so a slow client never holds up other
 * connections' catch-ups), and only the query itself takes a slot of the limiter. A class, not
 * an object of closures: every socket has one.
 */
export class PacedReader implements ChangeLogReader {
  constructor(
    private readonly reader: ChangeLogReader,
    private readonly limiter: ConcurrencyLimiter,
    private readonly budget: Pick<SendBudget, 'whenWritable' | 'pageArriving'>,
  ) {}

  async read(userId: string, afterSeq: number, limit: number, untilSeq?: number) {
    await this.budget.whenWritable();
    const page = await this.limiter.run(() => this.reader.read(userId, afterSeq, limit, untilSeq));
    this.budget.pageArriving();
    return page;
  }

  latestSeq(userId: string): Promise<number> {
    return this.reader.latestSeq(userId);
  }

  canResumeFrom(userId: string, seq: number) {
    return this.reader.canResumeFrom(userId, seq);
  }
}
