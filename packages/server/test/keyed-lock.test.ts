import { describe, expect, it } from 'vitest';
import { KeyedLock } from '../src/auth/keyed-lock';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedLock', () => {
  it('runs tasks sharing a key one at a time, in arrival order', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    const task = (name: string) => async () => {
      log.push(`start ${name}`);
      await tick();
      log.push(`end ${name}`);
      return name;
    };
    const results = await Promise.all([
      lock.run(['a'], task('1')),
      lock.run(['a'], task('2')),
      lock.run(['b'], task('3')),
    ]);
    expect(results).toEqual(['1', '2', '3']);
    expect(log.indexOf('end 1')).toBeLessThan(log.indexOf('start 2'));
    // A task on another key does not wait.
    expect(log.indexOf('start 3')).toBeLessThan(log.indexOf('end 1'));
    expect(lock.size).toBe(0);
  });

  it('releases the keys when a task fails, and never deadlocks on shared second keys', async () => {
    const lock = new KeyedLock();
    const failing = lock.run(['email:x', 'ip:1'], async () => {
      throw new Error('boom');
    });
    await expect(failing).rejects.toThrow('boom');
    const runs = await Promise.all([
      lock.run(['email:x', 'ip:1'], async () => 'x1'),
      lock.run(['email:y', 'ip:1'], async () => 'y1'),
      lock.run(['email:x', 'ip:2'], async () => 'x2'),
    ]);
    expect(runs).toEqual(['x1', 'y1', 'x2']);
    expect(lock.size).toBe(0);
  });
});
