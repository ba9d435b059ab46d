import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';

/** A JSON object as JSON.parse makes it (a plain object, never an array or null). */
export type JsonObject = Record<string, unknown>;

/** The protected header and the payload of a compact JWS whose HS256 signature is good. */
export interface VerifiedJws {
  header: JsonObject;
  payload: JsonObject;
}

/** HMAC-SHA-256 is 32 bytes; a signature of any other length cannot match. */
const SIGNATURE_BYTES = 32;
/** Base64url without padding: the only alphabet a compact JWS segment may use (RFC 7515 §2). */
const BASE64URL = /^[A-Za-z0-9_-]*$/;
/** Rejects malformed UTF-8 instead of replacing it, as jose does. */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Verifies compact JWS tokens signed with HMAC-SHA-256 under one secret, synchronously with
 * node:crypto: jose goes through WebCrypto, whose every verify is a job on the thread pool
 * (about 130 against 30 microseconds of the event loop per token in the connect bench).
 * It accepts what jose's `jwtVerify` with `algorithms: ['HS256']` accepts, except that every
 * segment must be canonical base64url: on Node 20 jose decodes with `atob`, which also takes
 * padding, whitespace and stray low bits, so one signature had several spellings.
 * test/access-token-verify.test.ts runs both over the same tokens.
 */
export class Hs256Jws {
  private readonly key: KeyObject;

  constructor(secret: string) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  /** The header and payload, or null for anything that is not a well-formed, well-signed JWS. */
  verify(token: string): VerifiedJws | null {
    const firstDot = token.indexOf('.');
    const secondDot = token.indexOf('.', firstDot + 1);
    if (firstDot < 0 || secondDot < 0 || token.indexOf('.', secondDot + 1) >= 0) return null;
    const headerBytes = decodeSegment(token.slice(0, firstDot));
    const payloadBytes = decodeSegment(token.slice(firstDot + 1, secondDot));
    const signature = decodeSegment(token.slice(secondDot + 1));
    if (!headerBytes || !payloadBytes || signature?.length !== SIGNATURE_BYTES) return null;
    const header = parseObject(headerBytes);
    if (!header || !acceptableHeader(header)) return null;
    // Both segments before the second dot are base64url (checked above), so ASCII: latin1 is exact.
    const expected = createHmac('sha256', this.key)
      .update(token.slice(0, secondDot), 'latin1')
      .digest();
    if (!timingSafeEqual(expected, signature)) return null;
    const payload = parseObject(payloadBytes);
    return payload ? { header, payload } : null;
  }
}

/**
 * The header checks of jose's verifier for a compact JWT: `alg` exactly HS256 (never `none`),
 * and `crit`, when present, a non-empty array naming only `b64` (the one extension jose
 * understands), which must then be `true`: a JWT's payload is always base64url-encoded.
 */
function acceptableHeader(header: JsonObject): boolean {
  if (header.alg !== 'HS256') return false;
  const crit = header.crit;
  if (crit === undefined) return true;
  if (!Array.isArray(crit) || crit.length === 0) return false;
  return crit.every((name) => name === 'b64') && header.b64 === true;
}

/** The bytes of a canonical, unpadded base64url segment; null for any other spelling. */
function decodeSegment(segment: string): Buffer | null {
  if (!BASE64URL.test(segment)) return null;
  const bytes = Buffer.from(segment, 'base64url');
  // Round trip: a dangling character or unused low bits that are not zero give another
  // spelling, so no two spellings of one signature are accepted.
  return bytes.toString('base64url') === segment ? bytes : null;
}

/** JSON text in strict UTF-8 that is a plain object, as jose requires of headers and claims. */
function parseObject(bytes: Buffer): JsonObject | null {
  let value: unknown;
  try {
    value = JSON.parse(STRICT_UTF8.decode(bytes));
  } catch {
    return null;
  }
  return isPlainObject(value) ? value : null;
}

/** JSON.parse makes plain objects only, so "not null, not an array" is jose's isObject here. */
function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
