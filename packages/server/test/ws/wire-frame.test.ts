import { describe, expect, it } from 'vitest';
import * as wsModule from 'ws';
import { textFrame } from '../../src/ws/wire-frame';

/** `ws`' own framing and parsing, which the types of `ws` do not declare. */
const { Sender, Receiver } = wsModule as unknown as {
  Sender: { frame(data: Buffer, options: Record<string, unknown>): Buffer[] };
  Receiver: new (options: { isServer: boolean; maxPayload: number }) => NodeJS.WritableStream & {
    on(event: 'message', listener: (data: Buffer, isBinary: boolean) => void): void;
  };
};

/** Text whose UTF-8 form is exactly `bytes` long, with multi-byte characters when it can be. */
function textOfBytes(bytes: number): string {
  const wide = 'é'.repeat(Math.floor(bytes / 4));
  return wide + 'x'.repeat(bytes - Buffer.byteLength(wide));
}

/** What a client's `ws` makes of the frame. */
function received(frame: Buffer): Promise<{ text: string; isBinary: boolean }> {
  return new Promise((resolve, reject) => {
    const receiver = new Receiver({ isServer: false, maxPayload: 0 });
    receiver.on('message', (data, isBinary) => resolve({ text: data.toString(), isBinary }));
    receiver.on('error', reject);
    receiver.write(frame);
  });
}

describe('textFrame', () => {
  // Each boundary of the length's three encodings: 7 bits, 16 bits, 64 bits.
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 70_000])(
    'frames %i bytes exactly as ws frames a text message',
    async (bytes) => {
      const text = textOfBytes(bytes);
      const frame = textFrame(text);
      const expected = Buffer.concat(
        Sender.frame(Buffer.from(text), { fin: true, opcode: 1, mask: false, readOnly: true }),
      );
      expect(frame.equals(expected)).toBe(true);
      expect(await received(frame)).toEqual({ text, isBinary: false });
    },
  );
});
