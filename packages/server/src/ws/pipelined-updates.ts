import type { ServerMessage } from '@tidings/protocol';

/** Gets the reply of one update, or (reply null) why it failed. */
export type Answer = (reply: ServerMessage | null, failure: unknown) => void;

/**
 * The note updates of one connection that were submitted and are not answered yet: each is
 * answered after every one added before it, whatever order their commits finish in, and the
 * `clientMsgId`s in flight are known (a retry of one must wait for it). Made on a connection's
 * first pipelined update: most connections never send one.
 */
export class PipelinedUpdates {
  private tail: Promise<void> = Promise.resolve();
  private unanswered = 0;
  private ids: Set<string> | null = null;

  get size(): number {
    return this.unanswered;
  }

  has(clientMsgId: string): boolean {
    return this.ids?.has(clientMsgId) ?? false;
  }

  add(outcome: Promise<ServerMessage>, clientMsgId: string | undefined, answer: Answer): void {
    if (clientMsgId !== undefined) (this.ids ??= new Set()).add(clientMsgId);
    this.unanswered += 1;
    const previous = this.tail;
    this.tail = (async () => {
      let reply: ServerMessage | null = null;
      let failure: unknown = null;
      try {
        reply = await outcome;
      } catch (error) {
        failure = error;
      }
      await previous;
      if (clientMsgId !== undefined) this.ids?.delete(clientMsgId);
      this.unanswered -= 1;
      answer(reply, failure);
    })();
  }

  /** Resolves once everything added so far has been answered; never rejects. */
  settled(): Promise<void> {
    return this.tail;
  }
}
