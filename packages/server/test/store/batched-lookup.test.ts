import { afterEach, describe, expect, it, vi } from 'vitest';
import { BatchedLookup } from '../../src/store/batched-lookup';

/** A fake table whose reads are recorded and can be held open, to see what each read covers. */
function fakeTable(values: Record<string, number>) {
  const reads: string[][] = [];
  let hold: Promise<void> | null = null;
  return {
    reads,
    holdNextRead(): () => void {
      let release!: () => void;
      hold = new Promise((resolve) => (release = resolve));
      return release;
    },
    async loadMany(keys: readonly string[]): Promise<Map<string, number>> {
      reads.push([...keys]);
      const held = hold;
      hold = null;
      if (held) await held;
      return new Map(keys.filter((key) => key in values).map((key) => [key, values[key]!]));
    },
  };
}

describe('BatchedLookup', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers the keys asked for together with one read, each key once', async () => {
    const table = fakeTable({ a: 1, b: 2 });
    const lookup = new BatchedLookup<string, number>((keys) => table.loadMany(keys));
    const answers = await Promise.all([
      lookup.get('a'),
      lookup.get('b'),
      lookup.get('a'),
      lookup.get('x'),
    ]);
    expect(answers).toEqual([1, 2, 1, undefined]);
    expect(table.reads).toEqual([['a', 'b', 'x']]);
  });

  it('never answers a key from a read that started before it was asked for', async () => {
    const table = fakeTable({ a: 1, b: 2 });
    const lookup = new BatchedLookup<string, number>((keys) => table.loadMany(keys));
    const release = table.holdNextRead();
    const first = lookup.get('a');
    await new Promise((resolve) => setImmediate(resolve));
    expect(table.reads).toEqual([['a']]);
    // Asked while the first read is in flight: it must wait for a read of its own.
    const second = lookup.get('a');
    const third = lookup.get('b');
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(1);
    expect(await third).toBe(2);
    expect(table.reads).toEqual([['a'], ['a', 'b']]);
  });

  it('splits a burst larger than the batch bound, oldest keys first', async () => {
    const table = fakeTable({ a: 1, b: 2, c: 3 });
    const lookup = new BatchedLookup<string, number>((keys) => table.loadMany(keys), 2);
    expect(await Promise.all(['a', 'b', 'c'].map((key) => lookup.get(key)))).toEqual([1, 2, 3]);
    expect(table.reads).toEqual([['a', 'b'], ['c']]);
  });

  it('fails the lookups of a failed read only, and reads again for later ones', async () => {
    let fail = true;
    const lookup = new BatchedLookup<string, number>(async (keys) => {
      if (fail) throw new Error('database unavailable');
      return new Map(keys.map((key) => [key, 7]));
    });
    await expect(lookup.get('a')).rejects.toThrow('database unavailable');
    fail = false;
    expect(await lookup.get('a')).toBe(7);
  });

  it('under load, gathers the keys asked for over the interval after a read into one read', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'performance'] });
    const table = fakeTable({ a: 1, b: 2, c: 3 });
    const lookup = new BatchedLookup<string, number>((keys) => table.loadMany(keys), 500, 5);
    const first = lookup.get('a');
    await vi.advanceTimersToNextTimerAsync();
    expect(await first).toBe(1);
    // Asked in different turns of the loop, both within 5 ms of the first read's start.
    const second = lookup.get('b');
    await vi.advanceTimersByTimeAsync(1);
    const third = lookup.get('c');
    expect(table.reads).toEqual([['a']]);
    await vi.advanceTimersByTimeAsync(4);
    expect(await Promise.all([second, third])).toEqual([2, 3]);
    expect(table.reads).toEqual([['a'], ['b', 'c']]);
    // Quiet again: the next key is read on the next turn, without waiting.
    await vi.advanceTimersByTimeAsync(100);
    const later = lookup.get('a');
    await vi.advanceTimersToNextTimerAsync();
    expect(await later).toBe(1);
    expect(table.reads).toEqual([['a'], ['b', 'c'], ['a']]);
  });
});
