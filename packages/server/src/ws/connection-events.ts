import type { ResumedMessage, ResyncRequiredMessage, SyncEvent } from '@tidings/protocol';
import type { ChangeLogReader } from '../sync/change-log-reader';
import {
  type ConcurrencyLimiter,
  type DeliverySink,
  OrderedDelivery,
} from '../sync/ordered-delivery';
import { PacedReader, type SendBudget } from '../sync/send-budget';

export interface ConnectionEventsOptions {
  userId: string;
  connectionId: string;
  reader: ChangeLogReader;
  limiter: ConcurrencyLimiter;
  /** The seq the connection starts after (the latest at authentication). */
  startSeq: number;
  /**
   * Takes the events in seq order, each seq at most once per cursor; told when the change log
   * could not be read (the connection should end so the client resumes).
   */
  sink: DeliverySink;
  /**
   * Paces replays: a page waits until the socket has room (outside the replay limiter, so a slow
   * client never holds up other connections' catch-ups).
   */
  budget: Pick<SendBudget, 'whenWritable' | 'pageArriving'>;
}

/**
 * One connection's view of its user's change events: exactly once, in seq order, through an
 * OrderedDelivery cursor; changes this connection made itself are not echoed back (it got a
 * success reply instead). `resume` moves the cursor back to replay from the log.
 */
export class ConnectionEvents implements DeliverySink {
  private delivery: OrderedDelivery;
  /**
   * Seqs of this connection's own changes seen on the bus and not yet passed by the cursor; made
   * on the first (a connection that only reads never needs it).
   */
  private ownSeqs: Set<number> | null = null;
  /** The seq of the latest change this connection made (0: none yet). */
  lastOwnSeq = 0;

  /** The log as this connection's cursor reads it: paced by the client (send-budget.ts). */
  private readonly pacedReader: ChangeLogReader;
  // The options' fields kept one by one, not the options object: every socket has one of these.
  private readonly userId: string;
  private readonly connectionId: string;
  private readonly sink: DeliverySink;

  constructor(options: ConnectionEventsOptions) {
    this.userId = options.userId;
    this.connectionId = options.connectionId;
    this.sink = options.sink;
    this.pacedReader = new PacedReader(options.reader, options.limiter, options.budget);
    this.delivery = this.cursorFrom(options.startSeq);
  }

  /** The last seq written to (or skipped for) this connection. */
  get deliveredSeq(): number {
    return this.delivery.deliveredSeq;
  }

  /** Takes an event from the hub. */
  push(event: SyncEvent, originId: string | undefined): void {
    if (originId === this.connectionId) {
      this.lastOwnSeq = Math.max(this.lastOwnSeq, event.seq);
      if (event.seq > this.delivery.deliveredSeq) (this.ownSeqs ??= new Set()).add(event.seq);
    }
    this.delivery.push(event);
  }

  /**
   * Delivers everything committed up to `untilSeq` (from the log where the bus did not bring it);
   * without it, up to the user's latest seq, read first.
   */
  async catchUp(untilSeq?: number): Promise<void> {
    const cursor = this.delivery;
    await cursor.catchUp(untilSeq ?? (await this.pacedReader.latestSeq(this.userId)));
  }

  /**
   * Replays every change after `since` in order, then answers `resumed`; live events that arrive
   * meanwhile wait in the cursor, so none is lost, repeated or reordered. A `since` the log can
   * no longer serve (pruned, or a seq this user never had) answers `resync_required`.
   */
  async resume(since: number): Promise<ResumedMessage | ResyncRequiredMessage> {
    const check = await this.pacedReader.canResumeFrom(this.userId, since);
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
    this.ownSeqs = null;
  }

  /** From the cursor: the next event in order, unless this connection made it. */
  deliver(event: SyncEvent): void {
    if (this.ownSeqs?.delete(event.seq)) return;
    this.sink.deliver(event);
  }

  deliveryFailed(error: unknown): void {
    this.sink.deliveryFailed(error);
  }

  private cursorFrom(startSeq: number): OrderedDelivery {
    return new OrderedDelivery({
      userId: this.userId,
      reader: this.pacedReader,
      startSeq,
      sink: this,
    });
  }
}
