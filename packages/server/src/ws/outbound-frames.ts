import { encodeFrame } from '@tidings/protocol';

/**
 * Bound of one batched frame, in UTF-16 code units of JSON (about bytes: JSON is mostly ASCII).
 * A 500-event replay page then goes out as a few frames the client can parse and apply piece by
 * piece, not as one multi-megabyte string; 64 KiB already amortises the per-frame cost.
 */
export const MAX_BATCH_FRAME_CHARS = 64 * 1024;

/** Where frames go: the connection's socket, within its send budget. */
export interface FrameSink {
  sendFrame(frame: string): void;
}

/**
 * The frames of one connection that opted in to batching (`/ws?batch=1`): messages written in
 * the same tick are kept as their serialised strings (an event's string is shared by every
 * connection it fans out to, never serialised again) and written as one frame when the tick's
 * synchronous work is over, or earlier when the next message would pass MAX_BATCH_FRAME_CHARS.
 *
 * The flush runs as a microtask rather than a `setImmediate`: the bursts worth batching (a group
 * commit's `hub.publish`, a replay page) are synchronous, so the microtask already takes each
 * whole, while a `setImmediate` would hold every message, even a lone event or reply, behind the
 * I/O callbacks of the loop turn. It also keeps a replay page's last frame inside the page's
 * SendBudget allowance, which ends in a `setImmediate` of its own.
 */
export class OutboundFrames {
  private parts: string[] = [];
  private chars = 0;
  private scheduled = false;

  /** Takes the connection itself, not a closure: idle sockets are what a server has most of. */
  constructor(private readonly sink: FrameSink) {}

  /** Queues one serialised message behind everything queued before it. */
  push(message: string): void {
    // The separating comma counts too.
    if (this.parts.length > 0 && this.chars + message.length + 1 > MAX_BATCH_FRAME_CHARS) {
      this.flush();
    }
    this.parts.push(message);
    this.chars += message.length + 1;
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is queued now, as one frame (before a close frame, for one). */
  flush(): void {
    if (this.parts.length === 0) return;
    const parts = this.parts;
    this.parts = [];
    this.chars = 0;
    this.sink.sendFrame(encodeFrame(parts));
  }
}
