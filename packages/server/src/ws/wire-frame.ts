/** FIN set, opcode 1: a whole text message in one frame (RFC 6455, section 5.2). */
const FIN_TEXT = 0x81;

/**
 * A complete server-to-client text frame: header and UTF-8 payload in one buffer, unmasked (a
 * server never masks). A frame made once can be written to every socket it fans out to as it is
 * (GatewaySocket.writeFrame). `ws.send` builds a header for each socket and writes header and
 * payload as two buffers through a cork, which cost about 1.5 us more server CPU per frame
 * (3.7-4.8 us against 2.2-2.7 us for 675 bytes to 100 sockets).
 */
export function textFrame(text: string): Buffer {
  const length = Buffer.byteLength(text);
  const headerLength = length > 0xffff ? 10 : length > 125 ? 4 : 2;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = FIN_TEXT;
  if (headerLength === 2) {
    frame[1] = length;
  } else if (headerLength === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    // 64-bit length; a string's bytes stay far below 2^48.
    frame.writeUInt16BE(0, 2);
    frame.writeUIntBE(length, 4, 6);
  }
  frame.write(text, headerLength, 'utf8');
  return frame;
}
