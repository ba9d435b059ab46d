import { AppError } from '../errors';
import type { SlidingWindowLimiter } from '../limits/limits';

/**
 * Throttles password guessing per account and per client address, on the shared limiter
 * (cluster-wide with Redis): a check before verifying, a count for each failure, and a clean
 * slate for the account after a success. The address key is not reset on success, so one
 * address cannot alternate between its own account and guesses at others.
 */
export class LoginThrottle {
  constructor(private readonly failures: SlidingWindowLimiter) {}

  private keys(email: string, ip: string): [string, string] {
    return [`email:${email}`, `ip:${ip}`];
  }

  /** Throws RATE_LIMITED (with the wait in ms) when either key is over its limit. */
  async assertAllowed(email: string, ip: string): Promise<void> {
    const checks = await Promise.all(this.keys(email, ip).map((key) => this.failures.peek(key)));
    const blocked = checks.filter((check) => !check.allowed);
    if (blocked.length === 0) return;
    const retryAfterMs = Math.max(...blocked.map((check) => check.retryAfterMs));
    throw new AppError('RATE_LIMITED', 'Too many failed sign-in attempts; retry later.', {
      retryAfterMs,
    });
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    await Promise.all(this.keys(email, ip).map((key) => this.failures.hit(key)));
  }

  async recordSuccess(email: string): Promise<void> {
    await this.failures.reset(this.keys(email, '')[0]);
  }
}
