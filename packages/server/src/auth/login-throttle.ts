import { AppError } from '../errors';
import type { SlidingWindowLimiter } from '../limits/limits';
import { KeyedLock } from './keyed-lock';

/**
 * Throttles password guessing per account and per client address, on the shared limiter
 * (cluster-wide with Redis): a check before verifying, a count for each failure, and a clean
 * slate for the account after a success. The address key is not reset on success, so one
 * address cannot alternate between its own account and guesses at others. Attempts sharing a
 * key are decided one at a time in this process, so a parallel burst cannot slip past the check.
 */
export class LoginThrottle {
  private readonly lock = new KeyedLock();

  constructor(private readonly failures: SlidingWindowLimiter) {}

  private keys(email: string, ip: string): [string, string] {
    // Email first, then address, for every attempt: the lock order that rules out deadlock.
    return [`email:${email}`, `ip:${ip}`];
  }

  /**
   * Runs `verify` unless the email or address is over its limit (then RATE_LIMITED with the wait
   * in `details.retryAfterMs`), and counts its outcome: null is a failure.
   */
  attempt<T>(email: string, ip: string, verify: () => Promise<T | null>): Promise<T | null> {
    const keys = this.keys(email, ip);
    return this.lock.run(keys, async () => {
      await this.assertAllowed(keys);
      const result = await verify();
      if (result === null) {
        await Promise.all(keys.map((key) => this.failures.hit(key)));
      } else {
        await this.failures.reset(keys[0]);
      }
      return result;
    });
  }

  private async assertAllowed(keys: readonly string[]): Promise<void> {
    const checks = await Promise.all(keys.map((key) => this.failures.peek(key)));
    const blocked = checks.filter((check) => !check.allowed);
    if (blocked.length === 0) return;
    const retryAfterMs = Math.max(...blocked.map((check) => check.retryAfterMs));
    throw new AppError('RATE_LIMITED', 'Too many failed sign-in attempts; retry later.', {
      retryAfterMs,
    });
  }
}
