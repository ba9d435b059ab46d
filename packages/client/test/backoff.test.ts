import { describe, expect, it } from 'vitest';
import { backoff, backoffAtLeastHalf, DEFAULT_BACKOFF } from '../src/backoff';

const options = { minDelayMs: 100, maxDelayMs: 5_000 };

describe('backoff (full jitter)', () => {
  it('doubles the window on every attempt', () => {
    const top = () => 0.999999;
    expect([0, 1, 2, 3, 4].map((attempt) => backoff(attempt, options, top))).toEqual([
      99, 199, 399, 799, 1599,
    ]);
  });

  it('never exceeds the cap, however many attempts failed', () => {
    for (const attempt of [6, 10, 31, 100, 10_000]) {
      expect(backoff(attempt, options, () => 0.999999)).toBeLessThan(options.maxDelayMs);
    }
    expect(backoff(1e9, options, () => 0.5)).toBe(2_500);
  });

  it('draws uniformly from zero up to the window: full jitter, not equal jitter', () => {
    expect(backoff(3, options, () => 0)).toBe(0);
    expect(backoff(3, options, () => 0.5)).toBe(400);
  });

  it('spreads many clients that failed together over the window', () => {
    const delays = Array.from({ length: 2_000 }, () => backoff(5, options));
    const window = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** 5);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(window);
    const lowerHalf = delays.filter((delay) => delay < window / 2).length;
    expect(lowerHalf).toBeGreaterThan(800);
    expect(lowerHalf).toBeLessThan(1_200);
  });

  it('treats negative and fractional attempts as the first retry', () => {
    expect(backoff(-3, options, () => 0.999999)).toBe(99);
    expect(backoff(0.7, options, () => 0.999999)).toBe(99);
  });

  it('has finite, capped defaults', () => {
    expect(DEFAULT_BACKOFF.minDelayMs).toBeGreaterThan(0);
    expect(backoff(50, DEFAULT_BACKOFF, () => 0.999999)).toBeLessThan(DEFAULT_BACKOFF.maxDelayMs);
  });
});

describe('backoffAtLeastHalf (equal jitter)', () => {
  it('grows per failed try up to the cap and never drops below half of it', () => {
    const options = { minDelayMs: 1_000, maxDelayMs: 8_000 };
    expect(backoffAtLeastHalf(0, options, () => 0)).toBe(500);
    expect(backoffAtLeastHalf(0, options, () => 0.999_999)).toBe(999);
    expect(backoffAtLeastHalf(2, options, () => 0)).toBe(2_000);
    expect(backoffAtLeastHalf(10, options, () => 0)).toBe(4_000);
    expect(backoffAtLeastHalf(10_000, options, () => 0.999_999)).toBeLessThan(8_000);
  });
});
