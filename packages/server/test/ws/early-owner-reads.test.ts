import { describe, expect, it } from 'vitest';
import { EarlyOwnerReads, joinedNoteIdOf, MAX_EARLY_JOINS } from '../../src/ws/early-owner-reads';

/** A ReadOwner that records what it was asked and answers `owner-of-<id>`. */
function recordingReader() {
  const asked: string[] = [];
  const read = async (noteId: string) => {
    asked.push(noteId);
    return `owner-of-${noteId}`;
  };
  return { asked, read };
}

describe('EarlyOwnerReads', () => {
  it('reads nothing until the token verifies, then the joins noted so far', async () => {
    const { asked, read } = recordingReader();
    const early = new EarlyOwnerReads(read);
    early.noteJoin('a');
    early.noteJoin('b');
    expect(asked).toEqual([]);
    expect(early.take('a')).toBeUndefined();
    early.tokenVerified();
    expect(asked).toEqual(['a', 'b']);
    await expect(early.take('a')).resolves.toBe('owner-of-a');
    await expect(early.take('b')).resolves.toBe('owner-of-b');
  });

  it('starts a join noted after the token verified at once', async () => {
    const { asked, read } = recordingReader();
    const early = new EarlyOwnerReads(read);
    early.tokenVerified();
    early.noteJoin('c');
    expect(asked).toEqual(['c']);
    await expect(early.take('c')).resolves.toBe('owner-of-c');
  });

  it('hands each read out once and reads a note joined twice once', async () => {
    const { asked, read } = recordingReader();
    const early = new EarlyOwnerReads(read);
    early.noteJoin('a');
    early.noteJoin('a');
    early.tokenVerified();
    early.noteJoin('a');
    expect(asked).toEqual(['a']);
    expect(early.take('a')).toBeDefined();
    expect(early.take('a')).toBeUndefined();
  });

  it(`reads at most ${MAX_EARLY_JOINS} notes early`, () => {
    const { asked, read } = recordingReader();
    const early = new EarlyOwnerReads(read);
    for (let i = 0; i < MAX_EARLY_JOINS + 3; i++) early.noteJoin(`n${i}`);
    early.tokenVerified();
    early.noteJoin('late');
    expect(asked).toHaveLength(MAX_EARLY_JOINS);
    expect(asked).not.toContain('late');
  });

  it('keeps a failed read for its join, without an unhandled rejection meanwhile', async () => {
    const early = new EarlyOwnerReads(async () => {
      throw new Error('database down');
    });
    early.noteJoin('a');
    early.tokenVerified();
    // Unhandled rejections fail the run: give this one a turn of the loop to surface.
    await new Promise((resolve) => setImmediate(resolve));
    await expect(early.take('a')).rejects.toThrow('database down');
  });
});

describe('joinedNoteIdOf', () => {
  const frame = (value: unknown) => Buffer.from(JSON.stringify(value));

  it('finds the note of a plain join_note', () => {
    expect(joinedNoteIdOf(frame({ type: 'join_note', noteId: 'n1' }), false)).toBe('n1');
  });

  it('finds nothing in other messages, malformed frames and binary frames', () => {
    for (const [data, isBinary] of [
      [frame({ type: 'leave_note', noteId: 'n1' }), false],
      [frame({ type: 'join_note', noteId: 42 }), false],
      [frame(['join_note']), false],
      [frame(null), false],
      [Buffer.from('{not json'), false],
      [frame({ type: 'join_note', noteId: 'n1' }), true],
    ] as const) {
      expect(joinedNoteIdOf(data, isBinary), data.toString()).toBeUndefined();
    }
  });
});
