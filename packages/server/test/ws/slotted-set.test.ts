import { describe, expect, it } from 'vitest';
import { SlottedSet } from '../../src/ws/slotted-set';

describe('SlottedSet', () => {
  it('deals members to its slots in turn and holds each once', () => {
    const set = new SlottedSet<string>(3);
    for (const member of ['a', 'b', 'c', 'd', 'a']) set.add(member);
    expect(set.size).toBe(4);
    expect([0, 1, 2].map((index) => [...set.slot(index)])).toEqual([['a', 'd'], ['b'], ['c']]);
    expect([...set].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('forgets deleted members wherever they were', () => {
    const set = new SlottedSet<string>(3);
    for (const member of ['a', 'b', 'c', 'd']) set.add(member);
    expect(set.delete('c')).toBe(true);
    expect(set.delete('c')).toBe(false);
    expect(set.size).toBe(3);
    expect([...set].sort()).toEqual(['a', 'b', 'd']);
  });
});
