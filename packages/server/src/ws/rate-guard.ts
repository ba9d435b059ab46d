import type { SlidingWindowLimiter } from '../limits/limits';

export type RateVerdict =
  { kind: 'allowed' } | { kind: 'dropped'; retryAfterMs: number } | { kind: 'disconnect' };

const ALLOWED: RateVerdict = Object.freeze({ kind: 'allowed' });

/** The one thing a connection keeps for the rate guard: how many messages in a row were over. */
export interface RateStreak {
  excessInARow: number;
}

/**
 * The gateway's view of the per-user message rate (WS_RATE_LIMIT_MAX_MESSAGES per
 * WS_RATE_LIMIT_WINDOW_MS, cluster-wide with Redis): a message past the limit is dropped; a client
 * that sends more than WS_RATE_LIMIT_DISCONNECT_AFTER of them in a row is a flood and is cut off.
 */
export class RateGuard {
  constructor(
    private readonly limiter: SlidingWindowLimiter,
    private readonly disconnectAfter: number,
  ) {}

  /** One message of the connection whose streak this is, counted against `key`. */
  async check(key: string, streak: RateStreak): Promise<RateVerdict> {
    const result = await this.limiter.hit(key);
    if (result.allowed) {
      streak.excessInARow = 0;
      return ALLOWED;
    }
    streak.excessInARow += 1;
    if (streak.excessInARow > this.disconnectAfter) return { kind: 'disconnect' };
    return { kind: 'dropped', retryAfterMs: result.retryAfterMs };
  }
}
