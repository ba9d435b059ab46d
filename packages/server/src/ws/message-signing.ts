import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type SignedEnvelope, signedEnvelopeSchema } from '@tidings/protocol';
import { AppError } from '../errors';
import { parseWith } from '../http/validate';
import type { NonceStore } from '../limits/limits';

export interface SignatureCheck {
  /** The per-connection secret sent in `auth_success` (random, not derived from the token). */
  sessionSecret: string;
  /** Nonces are remembered per user, so a replay on another connection or instance is refused. */
  userId: string;
  /** WS_SIGNATURE_MAX_AGE_MS: how far the timestamp may be from the server clock, either way. */
  maxAgeMs: number;
  nonces: NonceStore;
  now?: number;
}

/** The signature the client must send: base64(HMAC-SHA256(sessionSecret, signed text)). */
function computeSignature(
  sessionSecret: string,
  payload: unknown,
  timestamp: number,
  nonce: string,
): string {
  // Key order matters: the client signs exactly this serialisation.
  const signed = JSON.stringify({ payload, timestamp, nonce });
  return createHmac('sha256', sessionSecret).update(signed).digest('base64');
}

function signaturesMatch(expected: string, received: string): boolean {
  const expectedBytes = Buffer.from(expected, 'utf8');
  const receivedBytes = Buffer.from(received, 'utf8');
  // The length of a base64 HMAC-SHA256 is public (44); only the content needs constant time.
  if (expectedBytes.length !== receivedBytes.length) return false;
  return timingSafeEqual(expectedBytes, receivedBytes);
}

/**
 * Verifies a signed envelope `{payload, signature, timestamp, nonce}` and returns its payload,
 * still to be validated as a client message. Throws AppError: VALIDATION_FAILED (not an
 * envelope), STALE_MESSAGE (timestamp outside the window, past or future), INVALID_SIGNATURE,
 * REPLAYED_NONCE. The nonce is remembered only once the signature is proven, so nobody without
 * the secret can fill the nonce memory; it is kept for as long as the timestamp stays acceptable.
 */
export async function verifySignedMessage(raw: unknown, check: SignatureCheck): Promise<object> {
  const envelope = parseWith(signedEnvelopeSchema, raw);
  const now = check.now ?? Date.now();
  const skewMs = envelope.timestamp - now;
  if (Math.abs(skewMs) > check.maxAgeMs) {
    throw new AppError(
      'STALE_MESSAGE',
      `The signed message timestamp is ${Math.round(Math.abs(skewMs))} ms ${
        skewMs < 0 ? 'behind' : 'ahead of'
      } the server clock; at most ${check.maxAgeMs} ms is accepted. Check the device clock and sign with the current time.`,
    );
  }
  const expected = computeSignature(
    check.sessionSecret,
    envelope.payload,
    envelope.timestamp,
    envelope.nonce,
  );
  if (!signaturesMatch(expected, envelope.signature)) {
    throw new AppError(
      'INVALID_SIGNATURE',
      'The message signature does not match: sign JSON.stringify({payload, timestamp, nonce}) with HMAC-SHA256 keyed by the sessionSecret of this connection, base64-encoded.',
    );
  }
  const validForMs = envelope.timestamp + check.maxAgeMs - now;
  if (!(await check.nonces.remember(check.userId, envelope.nonce, validForMs))) {
    throw new AppError(
      'REPLAYED_NONCE',
      'This nonce was already used; sign every message with a fresh random nonce.',
    );
  }
  return envelope.payload;
}

/** Wraps a payload the way a client does (tests, the bench, the SDK's reference). */
export function signMessage(
  sessionSecret: string,
  payload: object,
  now: number = Date.now(),
  nonce: string = randomBytes(16).toString('base64url'),
): SignedEnvelope {
  return {
    payload,
    signature: computeSignature(sessionSecret, payload, now, nonce),
    timestamp: now,
    nonce,
  };
}
