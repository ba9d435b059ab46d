/** What the wheel pings: one connection's `heartbeat()` sends a ping or ends a silent peer. */
export interface Heartbeating {
  heartbeat(): void;
}

/** The connections, dealt into slots (slotted-set.ts): the wheel pings one slot per tick. */
export interface HeartbeatSlots {
  readonly slotCount: number;
  slot(index: number): Iterable<Heartbeating>;
}

/**
 * Pings every connection once per heartbeat interval, spread over the interval instead of all
 * at one tick. A ping is a write system call, and every message that arrives during a burst of
 * them waits: in the fan-out bench (1,010 connections, WS_HEARTBEAT_INTERVAL_MS=1000) pinging
 * all at once held the event loop for 10 to 27 ms each time; a twentieth of them at each of 20
 * ticks, 0.7 ms at the median and 1.5 ms at p90. With 10,000 connections a burst would be ten
 * times as long.
 *
 * Each connection keeps its slot, so it is pinged exactly one interval apart and "silent for
 * two intervals" keeps its meaning.
 */
export class HeartbeatWheel {
  private dueSlot = 0;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly connections: HeartbeatSlots,
    intervalMs: number,
  ) {
    this.timer = setInterval(() => this.tick(), Math.max(1, intervalMs / connections.slotCount));
    this.timer.unref();
  }

  /** One slot's share of the interval: pings the connections of the slot that is due. */
  tick(): void {
    // A heartbeat may end its connection, which leaves the slot: the slot allows that.
    for (const connection of this.connections.slot(this.dueSlot)) connection.heartbeat();
    this.dueSlot = (this.dueSlot + 1) % this.connections.slotCount;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
