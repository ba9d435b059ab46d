/** Reads the values of many keys in one statement; keys it does not return are absent. */
export type LoadMany<K, V> = (keys: readonly K[]) => Promise<Map<K, V>>;

/**
 * The least time between the starts of two reads of one lookup, in ms. A statement costs 0.5 to
 * 1 ms on PGlite whether it reads one key or ten, so under a connect storm each read should
 * gather many: with 10 ms the connect bench made 0.36x to 0.55x raw ws' connections a second
 * against 0.32x to 0.40x with 5 ms (four alternated pairs). A lone lookup on a quiet server
 * never waits; under load one (a connect's session, a join's note owner, a request's session)
 * waits at most this long.
 */
export const BUSY_READ_INTERVAL_MS = 10;

interface Waiter<V> {
  resolve(value: V | undefined): void;
  reject(error: unknown): void;
}

/**
 * Group reads for the hottest single-row lookups (a session on every connect, a note's owner on
 * every join). Lookups that arrive together share one statement: on the embedded database each
 * statement has a fixed cost of a few hundred microseconds, so a reconnect storm of a thousand
 * sockets would otherwise queue a thousand statements. One read runs at a time; keys asked for
 * meanwhile gather for the next, so a read never answers a key asked for after it started (a
 * revocation committed before the ask is always seen). An idle server adds one tick.
 *
 * Under load, reads of one lookup start at least `busyIntervalMs` apart: a connect storm asks
 * for its keys spread over the loop's turns (each connection is at its own step of the
 * handshake), so one tick gathered about one key and every connect paid a statement of its own.
 */
export class BatchedLookup<K, V> {
  private pending = new Map<K, Waiter<V>[]>();
  private scheduled = false;
  private running = false;
  private lastReadAt = -Infinity;

  constructor(
    private readonly loadMany: LoadMany<K, V>,
    private readonly maxBatch = 500,
    private readonly busyIntervalMs = BUSY_READ_INTERVAL_MS,
  ) {}

  get(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const wait = this.lastReadAt + this.busyIntervalMs - performance.now();
    if (wait > 0) setTimeout(() => void this.flush(), Math.ceil(wait));
    else setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (this.running || this.pending.size === 0) return;
    this.running = true;
    this.lastReadAt = performance.now();
    const batch = this.take();
    try {
      const found = await this.loadMany([...batch.keys()]);
      for (const [key, waiters] of batch) {
        const value = found.get(key);
        for (const waiter of waiters) waiter.resolve(value);
      }
    } catch (error) {
      for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
    } finally {
      this.running = false;
      if (this.pending.size > 0) this.schedule();
    }
  }

  /** Removes and returns up to `maxBatch` keys, oldest first. */
  private take(): Map<K, Waiter<V>[]> {
    if (this.pending.size <= this.maxBatch) {
      const all = this.pending;
      this.pending = new Map();
      return all;
    }
    const batch = new Map<K, Waiter<V>[]>();
    for (const [key, waiters] of this.pending) {
      if (batch.size >= this.maxBatch) break;
      batch.set(key, waiters);
    }
    for (const key of batch.keys()) this.pending.delete(key);
    return batch;
  }
}
