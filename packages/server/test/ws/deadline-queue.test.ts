import { afterEach, describe, expect, it, vi } from 'vitest';
import { DeadlineQueue, type DeadlineTarget, NOT_SCHEDULED } from '../../src/ws/deadline-queue';

/** A target that records when it was told, under its name. */
function recorder(name: string, log: string[]): DeadlineTarget {
  return {
    deadlineAt: 0,
    deadlineSlot: NOT_SCHEDULED,
    deadlineReached() {
      log.push(`${name}@${Date.now()}`);
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
    queue.set(recorder('a', log), 1_300);
    queue.set(recorder('b', log), 1_100);
    queue.set(recorder('c', log), 1_200);
    vi.advanceTimersByTime(99);
    expect(log).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(log).toEqual(['b@1100']);
    vi.advanceTimersByTime(200);
    expect(log).toEqual(['b@1100', 'c@1200', 'a@1300']);
    expect(queue.size).toBe(0);
  });

  it('re-arms for a deadline earlier than the one it waits for', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    queue.set(recorder('late', log), 10_000);
    queue.set(recorder('soon', log), 50);
    vi.advanceTimersByTime(50);
    expect(log).toEqual(['soon@50']);
  });

  it('never fires a cleared deadline, and lets go of its target at once', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    const cleared = recorder('x', log);
    queue.set(cleared, 100);
    queue.set(recorder('y', log), 200);
    queue.clear(cleared);
    expect(cleared.deadlineSlot).toBe(NOT_SCHEDULED);
    expect(queue.size).toBe(1);
    queue.clear(cleared);
    expect(queue.size).toBe(1);
    vi.advanceTimersByTime(300);
    expect(log).toEqual(['y@200']);
  });

  it('holds one deadline per target: setting again moves it, later or earlier', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    const moved = recorder('m', log);
    queue.set(moved, 100);
    queue.set(recorder('other', log), 150);
    queue.set(moved, 300);
    expect(queue.size).toBe(2);
    vi.advanceTimersByTime(200);
    expect(log).toEqual(['other@150']);
    queue.set(moved, 250);
    vi.advanceTimersByTime(100);
    expect(log).toEqual(['other@150', 'm@250']);
  });

  it('lets a target set its next deadline from deadlineReached', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    const steps = [100, 200];
    const chained: DeadlineTarget = {
      deadlineAt: 0,
      deadlineSlot: NOT_SCHEDULED,
      deadlineReached() {
        log.push(`step@${Date.now()}`);
        const next = steps.shift();
        if (next !== undefined) queue.set(chained, next);
      },
    };
    queue.set(chained, 50);
    vi.advanceTimersByTime(500);
    expect(log).toEqual(['step@50', 'step@100', 'step@200']);
  });

  it('fires in time order after thousands of random sets and clears', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const fired: number[] = [];
    let seed = 7;
    const random = () => (seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647;
    const targets = Array.from({ length: 500 }, (_, index) => ({
      deadlineAt: 0,
      deadlineSlot: NOT_SCHEDULED,
      deadlineReached() {
        fired.push(index);
      },
    }));
    const expected = new Map<number, number>();
    for (let step = 0; step < 5_000; step += 1) {
      const index = Math.floor(random() * targets.length);
      const target = targets[index] as DeadlineTarget;
      if (random() < 0.3) {
        queue.clear(target);
        expected.delete(index);
      } else {
        const at = 1 + Math.floor(random() * 100_000);
        queue.set(target, at);
        expected.set(index, at);
      }
    }
    expect(queue.size).toBe(expected.size);
    vi.advanceTimersByTime(100_001);
    expect(fired).toHaveLength(expected.size);
    const times = fired.map((index) => expected.get(index) as number);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(queue.size).toBe(0);
  });

  it('sets nothing once stopped', () => {
    vi.useFakeTimers({ now: 0 });
    const queue = new DeadlineQueue();
    const log: string[] = [];
    queue.stop();
    queue.set(recorder('late', log), 10);
    vi.advanceTimersByTime(100);
    expect(log).toEqual([]);
  });
});
