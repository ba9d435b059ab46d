import { describe, expect, it } from 'vitest';
import {
  hasJoined,
  joinedCount,
  type JoinedNotes,
  withJoined,
  withoutJoined,
} from '../../src/ws/joined-notes';

describe('JoinedNotes', () => {
  it('behaves as a set through none, one and many notes, and back', () => {
    let joined: JoinedNotes = null;
    expect(hasJoined(joined, 'a')).toBe(false);
    expect(joinedCount(joined)).toBe(0);

    joined = withJoined(joined, 'a');
    joined = withJoined(joined, 'a');
    expect(joined).toBe('a');
    expect([hasJoined(joined, 'a'), hasJoined(joined, 'b'), joinedCount(joined)]).toEqual([
      true,
      false,
      1,
    ]);

    joined = withJoined(joined, 'b');
    joined = withJoined(joined, 'c');
    expect(joinedCount(joined)).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((id) => hasJoined(joined, id))).toEqual([
      true,
      true,
      true,
      false,
    ]);

    joined = withoutJoined(joined, 'b');
    joined = withoutJoined(joined, 'missing');
    expect(joinedCount(joined)).toBe(2);
    expect(hasJoined(joined, 'b')).toBe(false);
    joined = withoutJoined(withoutJoined(joined, 'a'), 'c');
    expect(joined).toBeNull();
  });

  it('leaves a single joined note alone when another is left', () => {
    expect(withoutJoined('a', 'b')).toBe('a');
    expect(withoutJoined('a', 'a')).toBeNull();
    expect(withoutJoined(null, 'a')).toBeNull();
  });
});
