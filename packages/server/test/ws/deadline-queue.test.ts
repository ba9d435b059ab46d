import { afterEach, describe, expect, it, vi } from 'vitest';
import { type DeadlineKind, DeadlineQueue } from '../../src/ws/deadline-queue';

/** A target that records when and what it was told. */
function recorder(name: string, log: string[]) {
  return {
    deadlineReached(kind: DeadlineKind) {
      log.push(`${name}:${kind}@${Date.now()}`);
    },
  };
}

describe('DeadlineQueue', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires each deadline at its time, in time order, never early', () => {
    vi.useFakeTimers({ now: 1_000 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    queue.schedule(1_300, recorder('a', log), 'token-expiry');
    queue.schedule(1_100, recorder('b', log), 'auth-timeout');
    queue.schedule(1_200, recorder('c', log), 'token-warning');
    vi.advanceTimersByTime(99);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['b:auth-timeout@1100']);
    vi.advanceTimersByTime(200);
    expect(log).toEqual(['b:auth-timeout@1100', 'c:token-warning@1200', 'a:token-expiry@1300']);
  });

  it('re-arms for a deadline earlier than the one it waits for', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    queue.schedule(10_000, recorder('late', log), 'token-expiry');
    queue.schedule(50, recorder('soon', log), 'auth-timeout');
    vi.advanceTimersByTime(50);
    expect(log).toEqual(['soon:auth-timeout@50']);
  });

  it('never fires a cancelled deadline, and lets go of its target', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    const cancelled = queue.schedule(100, recorder('x', log), 'token-expiry');
    queue.schedule(200, recorder('y', log), 'token-expiry');
    cancelled.cancel();
    expect((cancelled as unknown as { target: unknown }).target).toBeNull();
    vi.advanceTimersByTime(300);
    expect(log).toEqual(['y:token-expiry@200']);
  });

  it('sweeps cancelled entries out, so closed connections do not pile up', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const target = recorder('t', []);
    for (let round = 0; round < 20; round += 1) {
      const batch = Array.from({ length: 100 }, () =>
        queue.schedule(60_000, target, 'token-expiry'),
      );
      for (const deadline of batch) deadline.cancel();
    }
    // 2,000 scheduled and cancelled: at most a sweep's worth is still held.
    expect(queue.size).toBeLessThan(300);
  });
});
