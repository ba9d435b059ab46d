import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors';
import type { Limits } from '../../src/limits/limits';
import { createMemoryNonceStore } from '../../src/limits/memory-nonces';
import { createRedisLimits } from '../../src/limits/redis-limits';
import { signMessage, verifySignedMessage } from '../../src/ws/message-signing';
import { hasSharedRedis, SHARED_REDIS_URL } from '../helpers/shared-redis';

const MAX_AGE_MS = 300_000;
const NOW = 1_800_000_000_000;
const secret = randomBytes(32).toString('hex');
const payload = { type: 'note_update', noteId: 'n1', changes: { title: 'Hello' } };

function freshCheck(overrides: Partial<Parameters<typeof verifySignedMessage>[1]> = {}) {
  return {
    sessionSecret: secret,
    userId: 'user-1',
    maxAgeMs: MAX_AGE_MS,
    nonces: createMemoryNonceStore({ maxEntries: 1_000, now: () => NOW }),
    now: NOW,
    ...overrides,
  };
}

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('signed messages', () => {
  it('accepts a correctly signed message and returns its payload', async () => {
    const envelope = signMessage(secret, payload, NOW, 'nonce-0001');
    expect(envelope.signature).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // Through JSON, as it arrives on the socket.
    const received: unknown = JSON.parse(JSON.stringify(envelope));
    expect(await verifySignedMessage(received, freshCheck())).toEqual(payload);
  });

  it('matches the seed client: base64 HMAC-SHA256 over JSON.stringify({payload, timestamp, nonce})', async () => {
    const { createHmac } = await import('node:crypto');
    const timestamp = NOW;
    const nonce = 'abcdefgh12345678';
    const signature = createHmac('sha256', secret)
      .update(JSON.stringify({ payload, timestamp, nonce }))
      .digest('base64');
    const envelope = { payload, signature, timestamp, nonce };
    expect(await verifySignedMessage(envelope, freshCheck())).toEqual(payload);
  });

  it('refuses a tampered payload', async () => {
    const envelope = signMessage(secret, payload, NOW);
    const tampered = { ...envelope, payload: { ...payload, noteId: 'someone-elses' } };
    expect(await rejection(verifySignedMessage(tampered, freshCheck()))).toBe('INVALID_SIGNATURE');
  });

  it('refuses a tampered timestamp or nonce', async () => {
    const envelope = signMessage(secret, payload, NOW, 'nonce-0001');
    const laterStamp = { ...envelope, timestamp: NOW + 1 };
    const otherNonce = { ...envelope, nonce: 'nonce-0002' };
    expect(await rejection(verifySignedMessage(laterStamp, freshCheck()))).toBe(
      'INVALID_SIGNATURE',
    );
    expect(await rejection(verifySignedMessage(otherNonce, freshCheck()))).toBe(
      'INVALID_SIGNATURE',
    );
  });

  it('refuses a message signed with another secret, and signatures of other lengths', async () => {
    const envelope = signMessage(randomBytes(32).toString('hex'), payload, NOW);
    expect(await rejection(verifySignedMessage(envelope, freshCheck()))).toBe('INVALID_SIGNATURE');
    const truncated = { ...signMessage(secret, payload, NOW), signature: 'AAAA' };
    expect(await rejection(verifySignedMessage(truncated, freshCheck()))).toBe('INVALID_SIGNATURE');
  });

  it('refuses stale and future timestamps beyond the window, accepts its edges', async () => {
    const stale = signMessage(secret, payload, NOW - MAX_AGE_MS - 1);
    const future = signMessage(secret, payload, NOW + MAX_AGE_MS + 1);
    expect(await rejection(verifySignedMessage(stale, freshCheck()))).toBe('STALE_MESSAGE');
    expect(await rejection(verifySignedMessage(future, freshCheck()))).toBe('STALE_MESSAGE');
    const oldest = signMessage(secret, payload, NOW - MAX_AGE_MS);
    const newest = signMessage(secret, payload, NOW + MAX_AGE_MS);
    expect(await verifySignedMessage(oldest, freshCheck())).toEqual(payload);
    expect(await verifySignedMessage(newest, freshCheck())).toEqual(payload);
  });

  it('refuses a replayed nonce, even with a fresh signature over a new payload', async () => {
    const check = freshCheck();
    const envelope = signMessage(secret, payload, NOW, 'nonce-0001');
    expect(await verifySignedMessage(envelope, check)).toEqual(payload);
    expect(await rejection(verifySignedMessage(envelope, check))).toBe('REPLAYED_NONCE');
    const resigned = signMessage(secret, { type: 'ping' }, NOW, 'nonce-0001');
    expect(await rejection(verifySignedMessage(resigned, check))).toBe('REPLAYED_NONCE');
  });

  it('does not spend a nonce on a message whose signature fails', async () => {
    const check = freshCheck();
    const forged = { ...signMessage('wrong', payload, NOW, 'nonce-0001') };
    expect(await rejection(verifySignedMessage(forged, check))).toBe('INVALID_SIGNATURE');
    const genuine = signMessage(secret, payload, NOW, 'nonce-0001');
    expect(await verifySignedMessage(genuine, check)).toEqual(payload);
  });

  it.each([
    ['not an object', 'hello'],
    ['no signature', { payload, timestamp: NOW, nonce: 'nonce-0001' }],
    ['extra field', { ...signMessage(secret, payload, NOW), extra: 1 }],
    ['payload not an object', { ...signMessage(secret, payload, NOW), payload: 'x' }],
    ['short nonce', signMessage(secret, payload, NOW, 'abc')],
    ['string timestamp', { ...signMessage(secret, payload, NOW), timestamp: String(NOW) }],
  ])('refuses a malformed envelope (%s) as VALIDATION_FAILED', async (_name, raw) => {
    expect(await rejection(verifySignedMessage(raw, freshCheck()))).toBe('VALIDATION_FAILED');
  });
});

describe.skipIf(!hasSharedRedis)('signed messages on two instances sharing Redis', () => {
  const open: Limits[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((limits) => limits.close()));
  });

  it('refuses on one instance a nonce already used on the other', async () => {
    const options = {
      url: SHARED_REDIS_URL,
      keyPrefix: `test:signing:${randomUUID()}:`,
      commandTimeoutMs: 500,
      wsMessages: { max: 10, windowMs: 60_000 },
      loginFailures: { max: 5, windowMs: 60_000 },
      nonceMemoryMaxEntries: 1_000,
      connectionLeaseMs: 60_000,
      log: { warn: () => undefined, info: () => undefined },
    };
    const first = createRedisLimits(options);
    const second = createRedisLimits(options);
    open.push(first, second);
    const now = Date.now();
    const envelope = signMessage(secret, payload, now);
    const check = { sessionSecret: secret, userId: 'user-1', maxAgeMs: MAX_AGE_MS, now };
    expect(await verifySignedMessage(envelope, { ...check, nonces: first.nonces })).toEqual(
      payload,
    );
    expect(
      await rejection(verifySignedMessage(envelope, { ...check, nonces: second.nonces })),
    ).toBe('REPLAYED_NONCE');
  });
});
