import { describe, expect, it } from 'vitest';
import { randomText } from '../../src/ws/random-text';

describe('randomText', () => {
  it('gives text of the asked size and encoding', () => {
    expect(randomText(32, 'hex')).toMatch(/^[0-9a-f]{64}$/);
    expect(randomText(12, 'base64url')).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('never hands out the same bytes twice, across many refills of its pool', () => {
    // 5,000 x 32 bytes is about forty pools; a repeated value would mean reused bytes.
    const seen = new Set<string>();
    for (let round = 0; round < 5_000; round += 1) seen.add(randomText(32, 'hex'));
    expect(seen.size).toBe(5_000);
    // Sizes that do not divide the pool: the bytes left at its end are not served twice either.
    const odd = new Set<string>();
    for (let round = 0; round < 2_000; round += 1) odd.add(randomText(28, 'base64url'));
    expect(odd.size).toBe(2_000);
  });

  it('refuses more than a pool at once', () => {
    expect(() => randomText(4097, 'hex')).toThrow(RangeError);
  });
});
