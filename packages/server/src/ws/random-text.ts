import { randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG at once: a refill every hundred or so connections. */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
/** Where the unused bytes start; a full pool at first, so the first call fills it. */
let offset = POOL_BYTES;

/**
 * `size` random bytes from the CSPRNG as text, as `randomBytes(size).toString(encoding)` would
 * give them, taken from a pool filled 4 KiB at a time. Every connect asked the random source
 * twice (its id and its session secret), about 3.5% of the server's time in the connect bench;
 * Node's randomUUID keeps a pool the same way. Every byte is handed out once.
 */
export function randomText(size: number, encoding: 'hex' | 'base64url'): string {
  if (size > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at a time`);
  if (offset + size > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const text = pool.toString(encoding, offset, offset + size);
  offset += size;
  return text;
}
