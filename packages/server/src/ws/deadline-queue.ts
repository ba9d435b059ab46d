/** setTimeout overflows above 2^31-1 ms (about 24.8 days) and would fire at once. */
const MAX_TIMER_MS = 2_147_483_647;
/** `deadlineSlot` of a target that has no deadline in the queue. */
export const NOT_SCHEDULED = -1;

/**
 * Something with at most one deadline at a time (a connection: its authentication timeout, then
 * its token's warning, then its expiry). The queue keeps the two fields up to date; the target
 * only declares them, starting with `deadlineSlot = NOT_SCHEDULED`.
 */
export interface DeadlineTarget {
  /** When the deadline is due (ms since the epoch); meaningful while scheduled. */
  deadlineAt: number;
  /** Where the target sits in the queue's heap, or NOT_SCHEDULED. */
  deadlineSlot: number;
  /** The deadline came; it is no longer scheduled (set a new one from here if one follows). */
  deadlineReached(): void;
}

/**
 * Every connection's next deadline on one timer, armed for the earliest. A timer per connection
 * costs a Timeout object and its closures for each of tens of thousands of idle sockets, and an
 * entry object per deadline costs a few dozen bytes more; here the connection itself is the heap
 * element and knows its slot, so moving or clearing its deadline is O(log n) and allocates
 * nothing. Deadlines may fire a little late under load, never early; the connection also checks
 * expiry on every message and event, so a late timer never lets an expired token be used.
 */
export class DeadlineQueue {
  private readonly heap: DeadlineTarget[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private armedFor = Infinity;
  private stopped = false;

  /** Gives `target` the deadline `at`, replacing the one it had. */
  set(target: DeadlineTarget, at: number): void {
    if (this.stopped) return;
    target.deadlineAt = at;
    if (target.deadlineSlot === NOT_SCHEDULED) {
      target.deadlineSlot = this.heap.length;
      this.heap.push(target);
    }
    this.restore(target.deadlineSlot);
    if (at < this.armedFor) this.arm();
  }

  /** Removes `target`'s deadline, if it has one; the queue lets go of it. */
  clear(target: DeadlineTarget): void {
    const slot = target.deadlineSlot;
    if (slot === NOT_SCHEDULED) return;
    target.deadlineSlot = NOT_SCHEDULED;
    const last = this.heap.pop() as DeadlineTarget;
    if (last === target) return;
    this.place(last, slot);
    this.restore(slot);
    // The timer may now be armed for a deadline nobody has; it fires and re-arms, harmlessly.
  }

  /** Targets with a deadline; for tests and metrics. */
  get size(): number {
    return this.heap.length;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
  }

  private arm(): void {
    clearTimeout(this.timer);
    const next = this.heap[0];
    if (!next || this.stopped) {
      this.timer = undefined;
      this.armedFor = Infinity;
      return;
    }
    this.armedFor = next.deadlineAt;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.deadlineAt - Date.now()));
    this.timer = setTimeout(() => this.fireDue(), delay);
    this.timer.unref();
  }

  private fireDue(): void {
    const now = Date.now();
    for (let next = this.heap[0]; next && next.deadlineAt <= now; next = this.heap[0]) {
      this.clear(next);
      next.deadlineReached();
    }
    this.arm();
  }

  /** Moves the element at `slot` up or down until the heap order holds again. */
  private restore(slot: number): void {
    const heap = this.heap;
    const target = heap[slot] as DeadlineTarget;
    let index = slot;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent] as DeadlineTarget;
      if (above.deadlineAt <= target.deadlineAt) break;
      this.place(above, index);
      index = parent;
    }
    for (;;) {
      const left = index * 2 + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child =
        right < heap.length &&
        (heap[right] as DeadlineTarget).deadlineAt < (heap[left] as DeadlineTarget).deadlineAt
          ? right
          : left;
      const below = heap[child] as DeadlineTarget;
      if (below.deadlineAt >= target.deadlineAt) break;
      this.place(below, index);
      index = child;
    }
    this.place(target, index);
  }

  private place(target: DeadlineTarget, slot: number): void {
    this.heap[slot] = target;
    target.deadlineSlot = slot;
  }
}
