import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameCoalescer, OutboundFrames } from '../../src/ws/outbound-frames';

/** A socket that records each frame's messages and when it was written. */
function recordingSink() {
  const frames: { at: number; messages: unknown }[] = [];
  return {
    frames,
    sendFrame(frame: string) {
      frames.push({ at: Date.now(), messages: JSON.parse(frame) });
    },
  };
}

const endOfTick = () => Promise.resolve();

describe('OutboundFrames', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes what one tick queued as one frame, a lone message as itself', async () => {
    const sink = recordingSink();
    const frames = new OutboundFrames(sink, new FrameCoalescer(25));
    frames.push('{"n":1}', true);
    frames.push('{"n":2}', true);
    expect(sink.frames).toEqual([]);
    await endOfTick();
    expect(sink.frames.map((frame) => frame.messages)).toEqual([[{ n: 1 }, { n: 2 }]]);
  });

  it('holds the events of a socket that just had a frame until the shared tick', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = recordingSink();
    const coalescer = new FrameCoalescer(25);
    const frames = new OutboundFrames(sink, coalescer);
    frames.push('{"n":1}', true);
    await endOfTick();
    vi.advanceTimersByTime(5);
    frames.push('{"n":2}', true);
    await endOfTick();
    vi.advanceTimersByTime(10);
    frames.push('{"n":3}', true);
    await endOfTick();
    expect(sink.frames).toHaveLength(1);
    vi.advanceTimersByTime(25);
    expect(sink.frames.map((frame) => frame.messages)).toEqual([{ n: 1 }, [{ n: 2 }, { n: 3 }]]);
    // The tick came at most the window after the first held event.
    expect(sink.frames[1]!.at).toBeLessThanOrEqual(5 + 25);
    // Quiet again for a window: the next event goes out at the end of its tick.
    vi.advanceTimersByTime(25);
    frames.push('{"n":4}', true);
    await endOfTick();
    expect(sink.frames).toHaveLength(3);
  });

  it('never holds a reply: it goes out at the end of the tick with the events before it', async () => {
    vi.useFakeTimers({ now: 0 });
    const sink = recordingSink();
    const frames = new OutboundFrames(sink, new FrameCoalescer(25));
    frames.push('{"n":1}', true);
    await endOfTick();
    vi.advanceTimersByTime(1);
    frames.push('{"n":2}', true);
    frames.push('{"type":"pong"}');
    await endOfTick();
    expect(sink.frames.map((frame) => frame.messages)).toEqual([
      { n: 1 },
      [{ n: 2 }, { type: 'pong' }],
    ]);
    // The coalescer's tick finds nothing left to write.
    vi.advanceTimersByTime(50);
    expect(sink.frames).toHaveLength(2);
  });

  it('with a window of 0, writes once per tick', async () => {
    const sink = recordingSink();
    const frames = new OutboundFrames(sink, new FrameCoalescer(0));
    for (let round = 1; round <= 3; round += 1) {
      frames.push(`{"n":${round}}`, true);
      await endOfTick();
    }
    expect(sink.frames.map((frame) => frame.messages)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });
});
