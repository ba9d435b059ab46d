/** How many applied `clientMsgId`s are remembered per process; the oldest are forgotten first. */
const MAX_REMEMBERED = 10_000;
/** How long a retry is recognised: longer than any client's reconnect backoff. */
const REMEMBER_MS = 10 * 60_000;

export interface AppliedMessage {
  type: string;
  /** The record the message created or changed, to answer a retry from its current state. */
  recordId: string;
}

/**
 * Remembers which `clientMsgId`s of a user were applied, so a message retried after a lost reply
 * (typically on a new connection) is answered again instead of applied twice. Bounded in count
 * and time; keys are scoped to the user so one user cannot touch another's entries.
 */
export class AppliedMessages {
  private readonly entries = new Map<string, AppliedMessage & { at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  get(userId: string, clientMsgId: string): AppliedMessage | undefined {
    const key = `${userId}\u0000${clientMsgId}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (this.now() - entry.at > REMEMBER_MS) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  remember(userId: string, clientMsgId: string, applied: AppliedMessage): void {
    const key = `${userId}\u0000${clientMsgId}`;
    this.entries.delete(key);
    this.entries.set(key, { ...applied, at: this.now() });
    if (this.entries.size > MAX_REMEMBERED) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
