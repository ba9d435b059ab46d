import type { SlidingWindowLimiter } from '../limits/limits';

export type RateVerdict =
  { kind: 'allowed' } | { kind: 'dropped'; retryAfterMs: number } | { kind: 'disconnect' };

/**
 * One connection's view of the per-user message rate (WS_RATE_LIMIT_MAX_MESSAGES per
 * WS_RATE_LIMIT_WINDOW_MS, cluster-wide with Redis): a message past the limit is dropped; a client
 * that sends more than WS_RATE_LIMIT_DISCONNECT_AFTER of them in a row is a flood and is cut off.
 */
export class RateGuard {
  private excessInARow = 0;

  constructor(
    private readonly limiter: SlidingWindowLimiter,
    private readonly disconnectAfter: number,
  ) {}

  async check(key: string): Promise<RateVerdict> {
    const result = await this.limiter.hit(key);
    if (result.allowed) {
      this.excessInARow = 0;
      return { kind: 'allowed' };
    }
    this.excessInARow += 1;
    if (this.excessInARow > this.disconnectAfter) return { kind: 'disconnect' };
    return { kind: 'dropped', retryAfterMs: result.retryAfterMs };
  }
}
