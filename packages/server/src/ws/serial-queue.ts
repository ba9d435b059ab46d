/** The connection whose messages a SerialQueue runs (an object, not closures: one per socket). */
export interface MessageFlow {
  pauseReading(): void;
  resumeReading(): void;
  /** The last waiting message has been handled. */
  allHandled(): void;
}

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
    private readonly flow: MessageFlow,
  ) {}

  /** Messages received and not yet started. */
  get waiting(): number {
    return this.tasks?.length ?? 0;
  }

  /** A message is being handled: one pushed now waits its turn. */
  get busy(): boolean {
    return this.running;
  }

  push(task: () => Promise<void>): void {
    if (this.stopped) return;
    const tasks = (this.tasks ??= []);
    tasks.push(task);
    if (tasks.length > this.maxWaiting && !this.paused) {
      this.paused = true;
      this.flow.pauseReading();
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
        this.flow.resumeReading();
      }
    }
    this.tasks = null;
    this.running = false;
    if (!this.stopped) this.flow.allHandled();
  }
}
