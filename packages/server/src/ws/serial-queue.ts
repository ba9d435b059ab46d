/**
 * Runs one connection's messages strictly one after another, in arrival order, so that a
 * `join_note` is done before the `note_update` sent after it. When too many messages wait, the
 * reader is paused (TCP backpressure on the sender) instead of buffering without bound.
 */
export class SerialQueue {
  /**
   * Waiting tasks; null while there are none, because an array that once held a few keeps its
   * grown storage (about 150 bytes) for good, and most connections sit idle.
   */
  private tasks: (() => Promise<void>)[] | null = null;
  private running = false;
  private paused = false;
  private stopped = false;

  constructor(
    private readonly maxWaiting: number,
    private readonly flow: { pause(): void; resume(): void },
  ) {}

  push(task: () => Promise<void>): void {
    if (this.stopped) return;
    const tasks = (this.tasks ??= []);
    tasks.push(task);
    if (tasks.length > this.maxWaiting && !this.paused) {
      this.paused = true;
      this.flow.pause();
    }
    if (!this.running) void this.drain();
  }

  /** Drops what is waiting; nothing runs after this. */
  stop(): void {
    this.stopped = true;
    this.tasks = null;
  }

  private async drain(): Promise<void> {
    this.running = true;
    let task: (() => Promise<void>) | undefined;
    while (!this.stopped && (task = this.tasks?.shift())) {
      // Each task handles its own errors; a throw here would be a bug, not a reason to stall.
      await task().catch(() => undefined);
      if (this.paused && (this.tasks?.length ?? 0) <= this.maxWaiting / 2) {
        this.paused = false;
        this.flow.resume();
      }
    }
    this.tasks = null;
    this.running = false;
  }
}
