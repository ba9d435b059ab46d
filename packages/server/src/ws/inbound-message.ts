import { looksSigned } from '@tidings/protocol';
import type { RawData } from 'ws';
import type { Config } from '../config/config';
import { AppError } from '../errors';
import type { NonceStore } from '../limits/limits';
import { verifySignedMessage } from './message-signing';

/** Accepted unsigned even when WS_REQUIRE_SIGNED_MESSAGES is on: they carry no data change. */
const UNSIGNED_ALWAYS = new Set(['auth', 'ping']);

/** Decodes one frame as JSON; a binary frame or invalid JSON is MALFORMED_MESSAGE. */
export function decodeFrame(data: RawData, isBinary: boolean): unknown {
  if (isBinary)
    throw new AppError('MALFORMED_MESSAGE', 'Send each message as one JSON text frame.');
  try {
    return JSON.parse(rawText(data));
  } catch {
    throw new AppError('MALFORMED_MESSAGE', 'The message is not valid JSON.');
  }
}

export interface SigningScope {
  config: Pick<Config['ws'], 'requireSignedMessages' | 'signatureMaxAgeMs'>;
  nonces: NonceStore;
  /** The connection's user and sessionSecret, once authenticated. */
  session: { userId: string; sessionSecret: string } | null;
}

/**
 * The message inside a signed envelope (verified: timestamp window, constant-time HMAC, fresh
 * nonce), or the message itself when unsigned, unless this server requires signing.
 */
export async function unwrapMessage(value: unknown, scope: SigningScope): Promise<unknown> {
  const { config, session } = scope;
  if (looksSigned(value)) {
    if (!session) {
      throw new AppError('UNAUTHENTICATED', 'Authenticate before sending signed messages.');
    }
    return verifySignedMessage(value, {
      sessionSecret: session.sessionSecret,
      userId: session.userId,
      maxAgeMs: config.signatureMaxAgeMs,
      nonces: scope.nonces,
    });
  }
  const type = (value as { type?: unknown } | null)?.type;
  if (
    config.requireSignedMessages &&
    session &&
    !(typeof type === 'string' && UNSIGNED_ALWAYS.has(type))
  ) {
    throw new AppError(
      'SIGNATURE_REQUIRED',
      'This server requires signed messages: wrap the message as {payload, signature, timestamp, nonce}.',
    );
  }
  return value;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
