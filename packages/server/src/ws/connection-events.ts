import type { ResumedMessage, ResyncRequiredMessage, SyncEvent } from '@tidings/protocol';
import type { ChangeLogReader } from '../sync/change-log-reader';
import { type ConcurrencyLimiter, OrderedDelivery } from '../sync/ordered-delivery';
import { pacedReader } from '../sync/send-budget';

export interface ConnectionEventsOptions {
  userId: string;
  connectionId: string;
  reader: ChangeLogReader;
  limiter: ConcurrencyLimiter;
  /** The seq the connection starts after (the latest at authentication). */
  startSeq: number;
  /** Writes one event to the socket; called in seq order, each seq at most once per cursor. */
  deliver(event: SyncEvent): void;
  /** The change log could not be read: the connection should end so the client resumes. */
  onError(error: unknown): void;
  /**
   * Resolves when the socket has room for another page of a replay. Waiting happens outside the
   * replay limiter, so a slow client never holds up other connections' catch-ups.
   */
  whenWritable(): Promise<void>;
  /** A page read from the log is about to be written out in one burst. */
  pageArriving(): void;
}

/**
 * One connection's view of its user's change events: exactly once, in seq order, through an
 * OrderedDelivery cursor; changes this connection made itself are not echoed back (it got a
 * success reply instead). `resume` moves the cursor back to replay from the log.
 */
export class ConnectionEvents {
  private delivery: OrderedDelivery;
  /** Seqs of this connection's own changes seen on the bus and not yet passed by the cursor. */
  private readonly ownSeqs = new Set<number>();
  /** The seq of the latest change this connection made (0: none yet). */
  lastOwnSeq = 0;

  /** The log as this connection's cursor reads it: paced by the client (send-budget.ts). */
  private readonly pacedReader: ChangeLogReader;

  constructor(private readonly options: ConnectionEventsOptions) {
    this.pacedReader = pacedReader(options.reader, options.limiter, options);
    this.delivery = this.cursorFrom(options.startSeq);
  }

  /** The last seq written to (or skipped for) this connection. */
  get deliveredSeq(): number {
    return this.delivery.deliveredSeq;
  }

  /** Takes an event from the hub. */
  push(event: SyncEvent, originId: string | undefined): void {
    if (originId === this.options.connectionId) {
      this.lastOwnSeq = Math.max(this.lastOwnSeq, event.seq);
      if (event.seq > this.delivery.deliveredSeq) this.ownSeqs.add(event.seq);
    }
    this.delivery.push(event);
  }

  /**
   * Delivers everything committed up to `untilSeq` (from the log where the bus did not bring it);
   * without it, up to the user's latest seq, read first.
   */
  async catchUp(untilSeq?: number): Promise<void> {
    const cursor = this.delivery;
    await cursor.catchUp(untilSeq ?? (await this.options.reader.latestSeq(this.options.userId)));
  }

  /**
   * Replays every change after `since` in order, then answers `resumed`; live events that arrive
   * meanwhile wait in the cursor, so none is lost, repeated or reordered. A `since` the log can
   * no longer serve (pruned, or a seq this user never had) answers `resync_required`.
   */
  async resume(since: number): Promise<ResumedMessage | ResyncRequiredMessage> {
    const { reader, userId } = this.options;
    const check = await reader.canResumeFrom(userId, since);
    if (!check.ok) return { type: 'resync_required', seq: check.latestSeq };
    if (since < this.delivery.deliveredSeq) {
      // The client asks again for changes after `since`: a fresh cursor sends them in order.
      this.delivery.close();
      this.delivery = this.cursorFrom(since);
    }
    await this.catchUp();
    return { type: 'resumed', seq: this.delivery.deliveredSeq };
  }

  close(): void {
    this.delivery.close();
    this.ownSeqs.clear();
  }

  private cursorFrom(startSeq: number): OrderedDelivery {
    const { userId, deliver, onError } = this.options;
    return new OrderedDelivery({
      userId,
      reader: this.pacedReader,
      startSeq,
      onError,
      deliver: (event) => {
        if (this.ownSeqs.delete(event.seq)) return;
        deliver(event);
      },
    });
  }
}
