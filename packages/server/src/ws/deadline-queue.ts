import { ExpiryHeap } from '../limits/expiry-heap';

/** setTimeout overflows above 2^31-1 ms (about 24.8 days) and would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;
/** Cancelled entries are swept out once there are this many and they outnumber live ones. */
const SWEEP_AFTER_CANCELLED = 256;

/** What a deadline is for; the target decides what reaching it means. */
export type DeadlineKind = 'auth-timeout' | 'token-warning' | 'token-expiry';

export interface DeadlineTarget {
  deadlineReached(kind: DeadlineKind): void;
}

/** A scheduled deadline; `cancel` it when it no longer applies. */
export interface Deadline {
  cancel(): void;
}

class Entry implements Deadline {
  constructor(
    readonly expiresAt: number,
    public target: DeadlineTarget | null,
    readonly kind: DeadlineKind,
    private readonly queue: DeadlineQueue,
  ) {}

  cancel(): void {
    if (!this.target) return;
    // Let go of the connection at once; the entry itself is swept out later.
    this.target = null;
    this.queue.cancelled();
  }
}

/**
 * Every connection's deadlines (authentication timeout, token warning and expiry) on one timer,
 * armed for the earliest. A timer per connection costs a Timeout object and its closures for
 * each of tens of thousands of idle sockets; a heap entry is a few words. Deadlines may fire a
 * little late under load, never early; the connection also checks expiry on every message and
 * event, so a late timer never lets an expired token be used.
 */
export class DeadlineQueue {
  private readonly heap = new ExpiryHeap<Entry>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private cancelledCount = 0;

  schedule(at: number, target: DeadlineTarget, kind: DeadlineKind): Deadline {
    const entry = new Entry(at, target, kind, this);
    this.heap.push(entry);
    if (at < this.armedFor) this.arm();
    return entry;
  }

  /** Entries waiting (cancelled ones not yet swept included); for tests and metrics. */
  get size(): number {
    return this.heap.size;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  /** Called by an entry when it is cancelled. */
  cancelled(): void {
    this.cancelledCount += 1;
    if (this.cancelledCount >= SWEEP_AFTER_CANCELLED && this.cancelledCount * 2 > this.heap.size) {
      this.heap.retain((entry) => entry.target !== null);
      this.cancelledCount = 0;
    }
  }

  private arm(): void {
    clearTimeout(this.timer);
    const next = this.heap.peek();
    if (!next) {
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = next.expiresAt;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.expiresAt - Date.now()));
    this.timer = setTimeout(() => this.fireDue(), delay);
    this.timer.unref();
  }

  private fireDue(): void {
    const now = Date.now();
    for (let next = this.heap.peek(); next && next.expiresAt <= now; next = this.heap.peek()) {
      this.heap.pop();
      const target = next.target;
      if (!target) {
        this.cancelledCount = Math.max(0, this.cancelledCount - 1);
        continue;
      }
      next.target = null;
      target.deadlineReached(next.kind);
    }
    this.arm();
  }
}
