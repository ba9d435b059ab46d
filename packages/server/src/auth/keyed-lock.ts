/**
 * Runs tasks one at a time per key, in arrival order. Used so that parallel login attempts for
 * one email or one address are decided one after another: otherwise a burst of guesses would
 * all pass the limiter's check before the first failure is counted. Memory holds only keys with
 * a task pending or running.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /** Takes the keys in the order given (callers keep one order, so no two tasks deadlock). */
  async run<T>(keys: readonly string[], task: () => Promise<T>): Promise<T> {
    const releases: (() => void)[] = [];
    try {
      for (const key of keys) releases.push(await this.acquire(key));
      return await task();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** How many keys have a task pending or running (for tests). */
  get size(): number {
    return this.tails.size;
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => held);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
