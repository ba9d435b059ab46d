import { encodeFrame } from '@tidings/protocol';
import { textFrame } from './wire-frame';

/**
 * The bytes of a frame (WebSocket header and UTF-8 payload), made once for the sockets that
 * flush the same messages one after another. A change fans out to every connection of its user,
 * and those connections flush in a row (at the coalescer's tick, or in the microtasks after a
 * publish) with the same serialised messages: the first one's frame is built and encoded, the
 * rest write the same bytes. Under load a frame holds several events (thousands of bytes);
 * building and encoding it once per socket was 4-5% of the server's time at 2,400 messages a
 * second into 1,000 subscribers, and as much again in garbage.
 *
 * Only the last frame is kept, so holding it costs one frame of memory. Messages are compared
 * by string identity first (an event's string is shared by every connection it reaches), so a
 * repeat costs a pointer check per message; equal text made separately also matches, and is
 * the same frame.
 */
export class SharedFrameBytes {
  private lastMessages: readonly string[] | null = null;
  private lastBytes: Buffer | null = null;

  /** The frame of `messages` (docs/protocol.md, "Batched frames"), ready to write as it is. */
  of(messages: readonly string[]): Buffer {
    if (this.lastBytes !== null && this.isLast(messages)) return this.lastBytes;
    const bytes = textFrame(encodeFrame(messages));
    this.lastMessages = messages;
    this.lastBytes = bytes;
    return bytes;
  }

  private isLast(messages: readonly string[]): boolean {
    const last = this.lastMessages;
    if (last === null || last.length !== messages.length) return false;
    for (let index = 0; index < messages.length; index += 1) {
      if (last[index] !== messages[index]) return false;
    }
    return true;
  }
}
