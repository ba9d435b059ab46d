import { SharedFrameBytes } from './shared-frame-bytes';

/**
 * Bound of one batched frame, in UTF-16 code units of JSON (about bytes: JSON is mostly ASCII).
 * A 500-event replay page then goes out as a few frames the client can parse and apply piece by
 * piece, not as one multi-megabyte string; 64 KiB already amortises the per-frame cost.
 */
export const MAX_BATCH_FRAME_CHARS = 64 * 1024;

/** Where frames go: the connection's socket, within its send budget. */
export interface FrameSink {
  /** A whole frame, header included (wire-frame.ts). */
  sendFrame(frame: Buffer): void;
  /** Whether a message the client already sent is waiting its turn. */
  hasWaitingInput(): boolean;
}

/** The span over which the server's event rate is counted. */
const RATE_BUCKET_MS = 250;

/**
 * Holds back the event frames of busy sockets until one shared tick (WS_FRAME_COALESCE_MS), so
 * a socket that receives a stream of events gets them a few per frame instead of paying a
 * system call for each: the write is most of what fanning out costs. One timer for all sockets,
 * armed only while some wait.
 *
 * Only while the whole server delivers at least `minRate` events a second
 * (WS_FRAME_COALESCE_MIN_RATE): below it the writes cost little and holding an event only adds
 * latency (a socket receiving 50 events a second had a p99 of 34 ms from the window alone). The
 * rate is counted in deliveries, not frames, so coalescing does not switch itself off by
 * writing fewer frames.
 */
export class FrameCoalescer {
  private readonly waiting = new Set<OutboundFrames>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private bucketStart = -Infinity;
  private bucketEvents = 0;
  /** Events per second over the last whole bucket. */
  private lastRate = 0;
  /** Every socket's frames are encoded here: sockets that flush the same messages share bytes. */
  readonly frameBytes = new SharedFrameBytes();

  constructor(
    readonly windowMs: number,
    private readonly minRate = 0,
  ) {}

  /** Counts one event delivery; true while the server delivers at least `minRate` a second. */
  countEvent(now: number): boolean {
    if (now - this.bucketStart >= RATE_BUCKET_MS) {
      const elapsed = now - this.bucketStart;
      // A bucket followed by a quiet gap says nothing about now.
      this.lastRate = elapsed < 2 * RATE_BUCKET_MS ? (this.bucketEvents * 1000) / elapsed : 0;
      this.bucketStart = now;
      this.bucketEvents = 0;
    }
    this.bucketEvents += 1;
    // A burst counts at once, before its bucket is over.
    const burstRate = (this.bucketEvents * 1000) / RATE_BUCKET_MS;
    return Math.max(this.lastRate, burstRate) >= this.minRate;
  }

  later(frames: OutboundFrames): void {
    this.waiting.add(frames);
    this.timer ??= setTimeout(() => this.flushAll(), this.windowMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private flushAll(): void {
    this.timer = undefined;
    const due = [...this.waiting];
    this.waiting.clear();
    for (const frames of due) frames.flush();
  }
}

/**
 * The frames of one connection that opted in to batching (`/ws?batch=1`): messages written in
 * the same tick are kept as their serialised strings (an event's string is shared by every
 * connection it fans out to, never serialised again) and written as one frame when the tick's
 * synchronous work is over, or earlier when the next message would pass MAX_BATCH_FRAME_CHARS.
 *
 * A socket that had a frame less than the coalescing window ago gets its next events with the
 * coalescer's tick instead: a quiet socket never waits, a busy one waits at most the window.
 * Replies and every other message that is not a change event go out at the end of the tick,
 * taking any held events with them (order is exact), unless a message the client already sent
 * is waiting its turn: then everything due waits for that message's replies, so a client that
 * sends `auth` and `join_note` together gets both answers in one frame (one write instead of
 * two, a good part of a connect), and at most until the coalescer's tick when the client keeps
 * sending.
 *
 * The flush runs as a microtask rather than a `setImmediate`: the bursts worth batching (a group
 * commit's `hub.publish`, a replay page) are synchronous, so the microtask already takes each
 * whole, while a `setImmediate` would hold every message, even a lone event or reply, behind the
 * I/O callbacks of the loop turn. It also keeps a replay page's last frame inside the page's
 * SendBudget allowance, which ends in a `setImmediate` of its own.
 */
export class OutboundFrames {
  /** What waits for the next frame; null when nothing does (most sockets, most of the time). */
  private parts: string[] | null = null;
  private chars = 0;
  private flushAtTickEnd = false;
  private heldForCoalescer = false;
  private lastFrameAt = -Infinity;

  /** Takes the connection itself, not a closure: idle sockets are what a server has most of. */
  constructor(
    private readonly sink: FrameSink,
    private readonly coalescer: FrameCoalescer,
  ) {}

  /**
   * Queues one serialised message behind everything queued before it. `event`: a change event,
   * which may wait for the coalescer's tick on a busy socket.
   */
  push(message: string, event = false): void {
    // Every event counts towards the server's rate, whether or not it can wait.
    const now = event ? Date.now() : 0;
    const serverBusy = event && this.coalescer.countEvent(now);
    // The separating comma counts too.
    if (this.parts !== null && this.chars + message.length + 1 > MAX_BATCH_FRAME_CHARS) {
      this.flush();
    }
    (this.parts ??= []).push(message);
    this.chars += message.length + 1;
    if (this.flushAtTickEnd) return;
    if (serverBusy && now - this.lastFrameAt < this.coalescer.windowMs) {
      this.holdForCoalescer();
      return;
    }
    this.flushAtTickEnd = true;
    queueMicrotask(() => {
      this.flushAtTickEnd = false;
      if (this.sink.hasWaitingInput()) this.holdForCoalescer();
      else this.flush();
    });
  }

  /** What is queued goes out with the next frame, or at the coalescer's tick at the latest. */
  private holdForCoalescer(): void {
    if (this.heldForCoalescer) return;
    this.heldForCoalescer = true;
    this.coalescer.later(this);
  }

  /** Writes what is queued now, as one frame (before a close frame, for one). */
  flush(): void {
    this.heldForCoalescer = false;
    const parts = this.parts;
    if (parts === null) return;
    this.parts = null;
    this.chars = 0;
    this.lastFrameAt = Date.now();
    this.sink.sendFrame(this.coalescer.frameBytes.of(parts));
  }
}
