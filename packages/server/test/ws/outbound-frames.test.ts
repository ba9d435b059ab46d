import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameCoalescer, OutboundFrames } from '../../src/ws/outbound-frames';

/** The text of a whole frame made by textFrame (FIN, text, unmasked; wire-frame.test.ts). */
function payloadOf(frame: Buffer): string {
  expect(frame[0]).toBe(0x81);
  const marker = frame[1]!;
  const headerLength = marker === 127 ? 10 : marker === 126 ? 4 : 2;
  return frame.subarray(headerLength).toString('utf8');
}

/** A socket that records each frame's messages and when it was written. */
function recordingSink() {
  const frames: { at: number; messages: unknown; bytes: Buffer }[] = [];
  return {
    frames,
    /** Messages the client sent that wait their turn (GatewayConnection's SerialQueue). */
    waitingInput: 0,
    sendFrame(frame: Buffer) {
      frames.push({ at: Date.now(), messages: JSON.parse(payloadOf(frame)), bytes: frame });
    },
    hasWaitingInput() {
      return this.waitingInput > 0;
    },
  };
}

const endOfTick = () => Promise.resolve();

/** One connection's frames, written to a recording sink, on `coalescer` (a 25 ms tick). */
function recordedFrames(coalescer = new FrameCoalescer(25)) {
  const sink = recordingSink();
  return { sink, frames: new OutboundFrames(sink, coalescer) };
}

describe('OutboundFrames', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes what one tick queued as one frame, a lone message as itself', async () => {
    const { sink, frames } = recordedFrames();
    frames.push('{"n":1}', true);
    frames.push('{"n":2}', true);
    expect(sink.frames).toEqual([]);
    await endOfTick();
    expect(sink.frames.map((frame) => frame.messages)).toEqual([[{ n: 1 }, { n: 2 }]]);
  });

  it('encodes a frame once for the sockets that flush the same messages in a row', async () => {
    const coalescer = new FrameCoalescer(25);
    const [first, second, other] = [recordingSink(), recordingSink(), recordingSink()];
    const event = '{"type":"note_sync","content":"naïve ☕ 🚀"}';
    for (const sink of [first, second]) {
      const frames = new OutboundFrames(sink, coalescer);
      frames.push(event, true);
      frames.push('{"n":2}', true);
    }
    new OutboundFrames(other, coalescer).push(event, true);
    await endOfTick();
    expect(first.frames[0]!.bytes).toBe(second.frames[0]!.bytes);
    expect(first.frames[0]!.messages).toEqual([JSON.parse(event), { n: 2 }]);
    expect(other.frames[0]!.bytes).not.toBe(first.frames[0]!.bytes);
    expect(payloadOf(other.frames[0]!.bytes)).toBe(event);
  });

  it('holds the events of a socket that just had a frame until the shared tick', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sink, frames } = recordedFrames();
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
    const { sink, frames } = recordedFrames();
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
    const { sink, frames } = recordedFrames(new FrameCoalescer(0));
    for (let round = 1; round <= 3; round += 1) {
      frames.push(`{"n":${round}}`, true);
      await endOfTick();
    }
    expect(sink.frames.map((frame) => frame.messages)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('holds events only while the server delivers at least the minimum rate', async () => {
    vi.useFakeTimers({ now: 0 });
    // 40 events a second: 10 in a 250 ms bucket.
    const coalescer = new FrameCoalescer(25, 40);
    const { sink, frames } = recordedFrames(coalescer);
    // Quiet: one event every 5 ms for 4 events, each straight out though the socket is busy.
    for (let n = 1; n <= 4; n += 1) {
      frames.push(`{"n":${n}}`, true);
      await endOfTick();
      vi.advanceTimersByTime(5);
    }
    expect(sink.frames).toHaveLength(4);
    // Other sockets' deliveries push the server past the rate; this socket's next event waits.
    for (let other = 0; other < 10; other += 1) coalescer.countEvent(Date.now());
    frames.push('{"n":5}', true);
    await endOfTick();
    expect(sink.frames).toHaveLength(4);
    vi.advanceTimersByTime(25);
    expect(sink.frames.map((frame) => frame.messages).at(-1)).toEqual({ n: 5 });
    // A quiet second later the rate has fallen: no holding.
    vi.advanceTimersByTime(1_000);
    frames.push('{"n":6}', true);
    await endOfTick();
    vi.advanceTimersByTime(1);
    frames.push('{"n":7}', true);
    await endOfTick();
    expect(sink.frames.slice(-2).map((frame) => frame.messages)).toEqual([{ n: 6 }, { n: 7 }]);
  });

  it('holds replies while a message the client sent waits, then sends them together', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sink, frames } = recordedFrames();
    sink.waitingInput = 1;
    frames.push('{"type":"auth_success"}');
    await endOfTick();
    expect(sink.frames).toEqual([]);
    // The waiting message is handled: its reply goes out with the held one.
    sink.waitingInput = 0;
    frames.push('{"type":"note_joined"}');
    await endOfTick();
    expect(sink.frames.map((frame) => frame.messages)).toEqual([
      [{ type: 'auth_success' }, { type: 'note_joined' }],
    ]);
  });

  it('holds replies at most until the shared tick while the client keeps sending', async () => {
    vi.useFakeTimers({ now: 0 });
    const { sink, frames } = recordedFrames();
    sink.waitingInput = 3;
    frames.push('{"n":1}');
    await endOfTick();
    vi.advanceTimersByTime(10);
    frames.push('{"n":2}');
    await endOfTick();
    expect(sink.frames).toEqual([]);
    vi.advanceTimersByTime(15);
    expect(sink.frames.map((frame) => frame.messages)).toEqual([[{ n: 1 }, { n: 2 }]]);
    expect(sink.frames[0]!.at).toBe(25);
  });
});
