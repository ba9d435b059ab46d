import type { SlidingWindowLimiter } from '../limits/limits';

export type RateVerdict =
  { kind: 'allowed' } | { kind: 'dropped'; retryAfterMs: number } | { kind: 'disconnect' };

const ALLOWED: RateVerdict = Object.freeze({ kind: 'allowed' });
const DISCONNECT: RateVerdict = Object.freeze({ kind: 'disconnect' });

/** What a connection keeps for the rate guard (the guard is the gateway's, shared). */
export interface RateStreak {
  /** Messages in a row over the user's rate. */
  excessInARow: number;
  /** Messages received before the connection authenticated. */
  unauthenticatedMessages: number;
}

/**
 * The gateway's view of the per-user message rate (WS_RATE_LIMIT_MAX_MESSAGES per
 * WS_RATE_LIMIT_WINDOW_MS, cluster-wide with Redis): a message past the limit is dropped; a client
 * that sends more than WS_RATE_LIMIT_DISCONNECT_AFTER of them in a row is a flood and is cut off.
 */
export class RateGuard {
  constructor(
    private readonly limiter: SlidingWindowLimiter,
    private readonly maxMessages: number,
    private readonly disconnectAfter: number,
  ) {}

  /** One message of an authenticated connection, counted against its user. */
  async check(userId: string, streak: RateStreak): Promise<RateVerdict> {
    const result = await this.limiter.hit(userId);
    if (result.allowed) {
      streak.excessInARow = 0;
      return ALLOWED;
    }
    streak.excessInARow += 1;
    if (streak.excessInARow > this.disconnectAfter) return DISCONNECT;
    return { kind: 'dropped', retryAfterMs: result.retryAfterMs };
  }

  /**
   * One message before authentication: there is no user to count it against, so it counts on
   * the connection, against the same maximum over its whole unauthenticated life (the auth
   * timeout bounds it). A client needs one `auth`; one that sends more than the maximum without
   * authenticating is cut off. Not in the shared window: a key per connection would stay there
   * for a whole window after the connection authenticated (over a hundred bytes for each of a
   * reconnect storm's connections) and cost a Redis round trip per connect.
   */
  checkUnauthenticated(streak: RateStreak): RateVerdict {
    streak.unauthenticatedMessages += 1;
    return streak.unauthenticatedMessages > this.maxMessages ? DISCONNECT : ALLOWED;
  }
}
