import { describe, expect, it } from 'vitest';
import { RollingShares } from '../../src/limits/rolling-shares';

describe('RollingShares', () => {
  it('hands out every member once per round, a share per tick', () => {
    const members = new Set(['a', 'b', 'c', 'd', 'e']);
    const shares = new RollingShares(members, 2);
    expect([shares.next(), shares.next()]).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    expect([shares.next(), shares.next()]).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
  });

  it('skips members that left and reaches ones that arrived, at the latest first next round', () => {
    const members = new Map([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    const shares = new RollingShares(members, 3);
    expect(shares.next()).toEqual(['a']);
    members.delete('b');
    members.set('late-1', 4);
    members.set('late-2', 5);
    expect(shares.next()).toEqual(['c']);
    expect(shares.next()).toEqual(['late-1']);
    // The new round's first share: what the last one did not reach, then its own.
    expect(shares.next()).toEqual(['late-2', 'a', 'c']);
    expect([shares.next(), shares.next()]).toEqual([['late-1', 'late-2'], []]);
  });

  it('hands out nothing when there is nothing', () => {
    const shares = new RollingShares(new Set<string>(), 4);
    expect([shares.next(), shares.next()]).toEqual([[], []]);
  });
});
