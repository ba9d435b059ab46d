import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { createMemoryLimits } from '../../src/limits/limits';
import { createMemoryConnectionSlots } from '../../src/limits/memory-connection-slots';
import { createMemoryNonceStore } from '../../src/limits/memory-nonces';
import { createMemorySlidingWindow, SWEEP_SLICES } from '../../src/limits/memory-window';

/** A clock the test moves by hand, so nothing depends on real time. */
function manualClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let current = start;
  return { now: () => current, advance: (ms) => void (current += ms) };
}

describe('in-process sliding window', () => {
  it('allows max events per window, refuses the next with the time until a slot frees', async () => {
    const clock = manualClock();
    const window = createMemorySlidingWindow({ max: 3, windowMs: 1_000, now: clock.now });
    expect(await window.hit('u')).toEqual({ allowed: true, retryAfterMs: 0 });
    clock.advance(100);
    await window.hit('u');
    clock.advance(100);
    await window.hit('u');
    clock.advance(100);
    // The first event (t=0) leaves the window at t=1000; it is now t=300.
    expect(await window.hit('u')).toEqual({ allowed: false, retryAfterMs: 700 });
    expect(await window.peek('u')).toEqual({ allowed: false, retryAfterMs: 700 });
    window.close();
  });

  it('slides: a slot frees when the oldest event leaves, not when a fixed bucket ends', async () => {
    const clock = manualClock();
    const window = createMemorySlidingWindow({ max: 2, windowMs: 1_000, now: clock.now });
    await window.hit('u');
    clock.advance(600);
    await window.hit('u');
    clock.advance(399);
    expect((await window.hit('u')).allowed).toBe(false);
    clock.advance(1);
    expect((await window.hit('u')).allowed).toBe(true);
    // The event at t=600 is still inside, and the one just taken.
    expect(await window.peek('u')).toEqual({ allowed: false, retryAfterMs: 600 });
    window.close();
  });

  it('does not record refused events, so a flood does not extend its own ban', async () => {
    const clock = manualClock();
    const window = createMemorySlidingWindow({ max: 1, windowMs: 1_000, now: clock.now });
    await window.hit('u');
    for (let i = 0; i < 50; i++) {
      clock.advance(10);
      expect((await window.hit('u')).allowed).toBe(false);
    }
    clock.advance(500);
    expect((await window.hit('u')).allowed).toBe(true);
    window.close();
  });

  it('peek records nothing; keys are independent; reset forgets a key', async () => {
    const clock = manualClock();
    const window = createMemorySlidingWindow({ max: 1, windowMs: 1_000, now: clock.now });
    expect((await window.peek('a')).allowed).toBe(true);
    expect((await window.peek('a')).allowed).toBe(true);
    await window.hit('a');
    expect((await window.hit('a')).allowed).toBe(false);
    expect((await window.hit('b')).allowed).toBe(true);
    await window.reset('a');
    expect((await window.hit('a')).allowed).toBe(true);
    window.close();
  });

  it('forgets keys whose events all left the window (memory follows live keys)', async () => {
    const clock = manualClock();
    const window = createMemorySlidingWindow({ max: 5, windowMs: 1_000, now: clock.now });
    for (let i = 0; i < 1_000; i++) await window.hit(`ip:${i}`);
    expect(window.sweep()).toBe(1_000);
    clock.advance(1_000);
    expect(window.sweep()).toBe(0);
    window.close();
  });

  it('frees every slot that left the window at once, keeping the rest in order', async () => {
    const clock = manualClock();
    const window = createMemorySlidingWindow({ max: 5, windowMs: 1_000, now: clock.now });
    for (let i = 0; i < 5; i++) {
      await window.hit('u');
      clock.advance(100);
    }
    // Events at 0, 100, 200, 300 and 400; at 1,250 the first three have left.
    clock.advance(750);
    for (let i = 0; i < 3; i++) expect((await window.hit('u')).allowed).toBe(true);
    // The oldest left in the window is the one at 300: its slot frees at 1,300.
    expect(await window.hit('u')).toEqual({ allowed: false, retryAfterMs: 50 });
    window.close();
  });

  describe('periodic sweep', () => {
    afterEach(() => void vi.useRealTimers());

    it('walks a share of the keys per tick, so expired keys are gone within a window', async () => {
      vi.useFakeTimers();
      const clock = manualClock();
      const windowMs = 1_000;
      const window = createMemorySlidingWindow({ max: 5, windowMs, now: clock.now });
      for (let i = 0; i < 200; i++) await window.hit(`ip:${i}`);
      clock.advance(windowMs);
      // Still in the window: hit after the others left.
      for (let i = 0; i < 10; i++) await window.hit(`live:${i}`);

      vi.advanceTimersByTime(windowMs / SWEEP_SLICES);
      // One tick walked one share, not every key.
      expect(window.size).toBeLessThan(210);
      expect(window.size).toBeGreaterThan(10);

      vi.advanceTimersByTime(windowMs);
      expect(window.size).toBe(10);
      expect((await window.peek('live:0')).allowed).toBe(true);
      window.close();
    });
  });
});

describe('in-process nonce store', () => {
  it('refuses a nonce seen within its ttl, per scope', async () => {
    const clock = manualClock();
    const nonces = createMemoryNonceStore({ maxEntries: 100, now: clock.now });
    expect(await nonces.remember('user-1', 'n1', 1_000)).toBe(true);
    expect(await nonces.remember('user-1', 'n1', 1_000)).toBe(false);
    expect(await nonces.remember('user-2', 'n1', 1_000)).toBe(true);
    clock.advance(999);
    expect(await nonces.remember('user-1', 'n1', 1_000)).toBe(false);
  });

  it('forgets a nonce once its ttl has passed, and drops expired entries', async () => {
    const clock = manualClock();
    const nonces = createMemoryNonceStore({ maxEntries: 100, now: clock.now });
    for (let i = 0; i < 50; i++) await nonces.remember('u', `n${i}`, 1_000);
    clock.advance(1_000);
    expect(await nonces.remember('u', 'n0', 1_000)).toBe(true);
    expect(nonces.size).toBe(1);
  });

  it('stays bounded when full by evicting the entry closest to expiry, never wiping all', async () => {
    const clock = manualClock();
    const nonces = createMemoryNonceStore({ maxEntries: 3, now: clock.now });
    await nonces.remember('u', 'long', 10_000);
    await nonces.remember('u', 'short', 1_000);
    await nonces.remember('u', 'middle', 5_000);
    expect(await nonces.remember('u', 'new', 10_000)).toBe(true);
    expect(nonces.size).toBe(3);
    // Only the entry closest to expiry went; the others are still refused.
    expect(await nonces.remember('u', 'long', 10_000)).toBe(false);
    expect(await nonces.remember('u', 'middle', 10_000)).toBe(false);
    expect(await nonces.remember('u', 'new', 10_000)).toBe(false);
    expect(nonces.size).toBe(3);
  });

  it("keeps one user's flood from pushing out another user's nonces", async () => {
    const clock = manualClock();
    const nonces = createMemoryNonceStore({ maxEntries: 100, maxPerScope: 10, now: clock.now });
    await nonces.remember('victim', 'captured', 60_000);
    // Enough evictions that the heap is rebuilt from the live entries along the way.
    for (let i = 0; i < 3_000; i++) {
      expect(await nonces.remember('attacker', `flood-${i}`, 60_000 + i)).toBe(true);
    }
    expect(nonces.size).toBe(11);
    expect(await nonces.remember('victim', 'captured', 60_000)).toBe(false);
    // The attacker's own most recent nonces are still refused.
    expect(await nonces.remember('attacker', 'flood-2999', 60_000)).toBe(false);
    expect(await nonces.remember('attacker', 'flood-2990', 60_000)).toBe(false);
    // And everything still expires on time.
    clock.advance(63_000);
    expect(await nonces.remember('victim', 'captured', 60_000)).toBe(true);
    expect(nonces.size).toBe(1);
  });

  it('holds its bound under a flood of fresh nonces', async () => {
    const clock = manualClock();
    const nonces = createMemoryNonceStore({ maxEntries: 1_000, now: clock.now });
    for (let i = 0; i < 20_000; i++) {
      expect(await nonces.remember('u', `flood-${i}`, 60_000)).toBe(true);
      clock.advance(1);
    }
    expect(nonces.size).toBe(1_000);
    // The most recent thousand are remembered.
    expect(await nonces.remember('u', 'flood-19999', 60_000)).toBe(false);
    expect(await nonces.remember('u', 'flood-19000', 60_000)).toBe(false);
  });
});

describe('in-process connection slots', () => {
  it('admits up to max connections per user, idempotently, and frees on release', async () => {
    const slots = createMemoryConnectionSlots();
    expect(await slots.acquire('u', 'c1', 2)).toBe(true);
    expect(await slots.acquire('u', 'c1', 2)).toBe(true);
    expect(await slots.acquire('u', 'c2', 2)).toBe(true);
    expect(await slots.acquire('u', 'c3', 2)).toBe(false);
    expect(await slots.acquire('other', 'c4', 2)).toBe(true);
    expect(await slots.count('u')).toBe(2);
    await slots.release('u', 'c1');
    await slots.release('u', 'never-held');
    expect(await slots.count('u')).toBe(1);
    expect(await slots.acquire('u', 'c3', 2)).toBe(true);
    await slots.release('u', 'c2');
    await slots.release('u', 'c3');
    expect(await slots.count('u')).toBe(0);
    expect([...slots.byUser.keys()]).toEqual(['other']);
  });
});

describe('createMemoryLimits', () => {
  it('applies the configured WebSocket and login limits', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      WS_RATE_LIMIT_MAX_MESSAGES: '2',
      LOGIN_MAX_FAILURES: '1',
    });
    const limits = createMemoryLimits(config);
    expect(limits.status()).toBe('ok');
    await limits.wsMessages.hit('u');
    await limits.wsMessages.hit('u');
    expect((await limits.wsMessages.hit('u')).allowed).toBe(false);
    await limits.loginFailures.hit('email:a@example.com');
    expect((await limits.loginFailures.peek('email:a@example.com')).allowed).toBe(false);
    expect((await limits.loginFailures.peek('ip:127.0.0.1')).allowed).toBe(true);
    await limits.close();
  });
});
