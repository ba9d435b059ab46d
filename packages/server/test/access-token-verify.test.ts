import { createHmac } from 'node:crypto';
import { errors as joseErrors, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccessTokenService, type VerifyResult } from '../src/auth/access-token';

/**
 * The access-token verifier (node:crypto, src/auth/hs256-jws.ts) against the jose `jwtVerify`
 * call it replaced, over the same tokens: the outcome (accepted with the same claims, expired
 * with the same session id, or invalid) must be identical. The one intended difference: jose
 * on Node 20 decodes segments with `atob`, which also takes padding, whitespace and stray low
 * bits; the verifier takes canonical base64url only. Those cases are listed as `stricter`, and
 * the test checks that jose does accept them, so the list cannot go stale unnoticed.
 */
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256-0123456789';
const OTHER_SECRET = 'another-secret-that-is-long-enough-for-hs256-987654321';
const TTL_MS = 15 * 60_000;
const service = createAccessTokenService(SECRET, TTL_MS);
const joseKey = new TextEncoder().encode(SECRET);

/** The verify of src/auth/access-token.ts before it moved to node:crypto, unchanged. */
async function joseVerify(token: string): Promise<VerifyResult> {
  try {
    const { payload } = await jwtVerify(token, joseKey, {
      algorithms: ['HS256'],
      issuer: 'tidings',
      audience: 'tidings-api',
      typ: 'at+jwt',
      requiredClaims: ['exp', 'sub', 'sid'],
      clockTolerance: 0,
    });
    if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') {
      return { ok: false, reason: 'invalid' };
    }
    return {
      ok: true,
      claims: { userId: payload.sub, sessionId: payload.sid, expiresAt: payload.exp! * 1000 },
    };
  } catch (error) {
    if (error instanceof joseErrors.JWTExpired) {
      const sid = error.payload.sid;
      return { ok: false, reason: 'expired', ...(typeof sid === 'string' && { sessionId: sid }) };
    }
    return { ok: false, reason: 'invalid' };
  }
}

/** The clock stands still during the comparison, so no boundary case straddles a second. */
const NOW_MS = Date.UTC(2026, 10, 25, 12, 0, 0, 500);
const now = () => Math.floor(NOW_MS / 1000);
const b64 = (text: string | Buffer) => Buffer.from(text).toString('base64url');
const hmac = (algorithm: string, secret: string, input: string) =>
  createHmac(algorithm, secret).update(input).digest('base64url');

const HEADER = { alg: 'HS256', typ: 'at+jwt' };
function claims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sid: '6f1c2f62-5d3b-4a59-9a59-1f6f3c1f0a11',
    sub: '0b7e5b53-8d3e-4a57-8f0e-52c1f8b1c2d3',
    iss: 'tidings',
    aud: 'tidings-api',
    iat: now(),
    exp: now() + 600,
    jti: 'c0ffee',
    ...overrides,
  };
}

/** A compact JWS of exactly these header and payload texts, signed as told. */
function rawToken(
  headerText: string,
  payloadText: string | Buffer,
  { algorithm = 'sha256', secret = SECRET } = {},
): string {
  const input = `${b64(headerText)}.${b64(payloadText)}`;
  return `${input}.${hmac(algorithm, secret, input)}`;
}
function token(header: object = HEADER, payload: object = claims()): string {
  return rawToken(JSON.stringify(header), JSON.stringify(payload));
}

function withoutClaim(name: string): Record<string, unknown> {
  const all = claims();
  delete all[name];
  return all;
}

/** Replaces the character at `index` (negative: from the end) with another of the alphabet. */
function flip(text: string, index: number): string {
  const at = index < 0 ? text.length + index : index;
  const replacement = text[at] === 'A' ? 'B' : 'A';
  return text.slice(0, at) + replacement + text.slice(at + 1);
}
function segments(text: string): [string, string, string] {
  return text.split('.') as [string, string, string];
}

const valid = token();
const [validHeader, validPayload, validSignature] = segments(valid);
const validInput = `${validHeader}.${validPayload}`;

/** Tokens both must judge alike. */
const corpus: Record<string, string> = {
  'valid, built by hand': valid,
  'expired a minute ago': token(HEADER, claims({ exp: now() - 60 })),
  'expires now (exp <= now is expired)': token(HEADER, claims({ exp: now() })),
  'expired, sid not a string': token(HEADER, claims({ exp: now() - 60, sid: 42 })),
  'expired and not yet valid': token(HEADER, claims({ exp: now() - 60, nbf: now() + 60 })),
  'expired, missing sub': token(HEADER, { ...withoutClaim('sub'), exp: now() - 60 }),
  'expired, missing sid': token(HEADER, { ...withoutClaim('sid'), exp: now() - 60 }),
  'expired and wrong issuer': token(HEADER, claims({ exp: now() - 60, iss: 'other' })),
  'exp as a string': token(HEADER, claims({ exp: String(now() + 600) })),
  'exp fractional': token(HEADER, claims({ exp: now() + 600.5 })),
  'exp beyond any date (1e400)': rawToken(
    JSON.stringify(HEADER),
    JSON.stringify(claims()).replace(/"exp":\d+/, '"exp":1e400'),
  ),
  'not yet valid (nbf in a minute)': token(HEADER, claims({ nbf: now() + 60 })),
  'nbf now': token(HEADER, claims({ nbf: now() })),
  'nbf a second from now': token(HEADER, claims({ nbf: now() + 1 })),
  'exp a second from now': token(HEADER, claims({ exp: now() + 1 })),
  'nbf as a string': token(HEADER, claims({ nbf: String(now()) })),
  'iat in the future (not checked)': token(HEADER, claims({ iat: now() + 3600 })),
  'iat as a string': token(HEADER, claims({ iat: 'yesterday' })),
  'missing exp': token(HEADER, withoutClaim('exp')),
  'missing sub': token(HEADER, withoutClaim('sub')),
  'missing sid': token(HEADER, withoutClaim('sid')),
  'missing iss': token(HEADER, withoutClaim('iss')),
  'missing aud': token(HEADER, withoutClaim('aud')),
  'missing iat (not required)': token(HEADER, withoutClaim('iat')),
  'sub not a string': token(HEADER, claims({ sub: 7 })),
  'sid null': token(HEADER, claims({ sid: null })),
  'wrong issuer': token(HEADER, claims({ iss: 'Tidings' })),
  'issuer as an array': token(HEADER, claims({ iss: ['tidings'] })),
  'wrong audience': token(HEADER, claims({ aud: 'tidings-web' })),
  'audience array holding ours': token(HEADER, claims({ aud: ['x', 'tidings-api'] })),
  'audience array without ours': token(HEADER, claims({ aud: ['x', 'y'] })),
  'audience array holding a number': token(HEADER, claims({ aud: [1, 'tidings-api'] })),
  'typ missing': token({ alg: 'HS256' }),
  'typ JWT': token({ alg: 'HS256', typ: 'JWT' }),
  'typ in capitals': token({ alg: 'HS256', typ: 'AT+JWT' }),
  'typ as a media type': token({ alg: 'HS256', typ: 'application/at+jwt' }),
  'typ as a media type in capitals': token({ alg: 'HS256', typ: 'Application/AT+JWT' }),
  'typ with a parameter': token({ alg: 'HS256', typ: 'at+jwt; x=1' }),
  'typ not a string': token({ alg: 'HS256', typ: 1 }),
  'alg none, no signature': `${b64(JSON.stringify({ alg: 'none', typ: 'at+jwt' }))}.${validPayload}.`,
  'alg none, signed': token({ alg: 'none', typ: 'at+jwt' }),
  'alg missing': token({ typ: 'at+jwt' }),
  'alg empty': token({ alg: '', typ: 'at+jwt' }),
  'alg in lower case': token({ alg: 'hs256', typ: 'at+jwt' }),
  'alg as an array': token({ alg: ['HS256'], typ: 'at+jwt' }),
  'alg HS512, signed with HS512': rawToken(
    JSON.stringify({ alg: 'HS512', typ: 'at+jwt' }),
    JSON.stringify(claims()),
    { algorithm: 'sha512' },
  ),
  'alg HS256, signed with HS512': rawToken(JSON.stringify(HEADER), JSON.stringify(claims()), {
    algorithm: 'sha512',
  }),
  'alg HS384, signed with HS256': token({ alg: 'HS384', typ: 'at+jwt' }),
  'alg RS256': token({ alg: 'RS256', typ: 'at+jwt' }),
  'wrong key': rawToken(JSON.stringify(HEADER), JSON.stringify(claims()), {
    secret: OTHER_SECRET,
  }),
  'crit b64 with b64 true': token({ ...HEADER, crit: ['b64'], b64: true }),
  'crit b64 twice': token({ ...HEADER, crit: ['b64', 'b64'], b64: true }),
  'crit b64 with b64 false': token({ ...HEADER, crit: ['b64'], b64: false }),
  'crit b64 without b64': token({ ...HEADER, crit: ['b64'] }),
  'crit b64 with b64 as a string': token({ ...HEADER, crit: ['b64'], b64: 'true' }),
  'crit exp (not understood)': token({ ...HEADER, crit: ['exp'] }),
  'crit empty': token({ ...HEADER, crit: [] }),
  'crit a string': token({ ...HEADER, crit: 'b64', b64: true }),
  'crit null': token({ ...HEADER, crit: null }),
  'crit with an empty name': token({ ...HEADER, crit: [''] }),
  'b64 false without crit (ignored)': token({ ...HEADER, b64: false }),
  'extra header parameters (kid)': token({ ...HEADER, kid: 'k1' }),
  'header an array': rawToken('["HS256"]', JSON.stringify(claims())),
  'header null': rawToken('null', JSON.stringify(claims())),
  'header not JSON': rawToken('{alg:HS256}', JSON.stringify(claims())),
  'payload an array': rawToken(JSON.stringify(HEADER), '[1,2]'),
  'payload a string': rawToken(JSON.stringify(HEADER), '"sub"'),
  'payload a number': rawToken(JSON.stringify(HEADER), '42'),
  'payload null': rawToken(JSON.stringify(HEADER), 'null'),
  'payload not JSON': rawToken(JSON.stringify(HEADER), 'sub=x'),
  'payload empty': rawToken(JSON.stringify(HEADER), ''),
  'payload with malformed UTF-8': rawToken(
    JSON.stringify(HEADER),
    Buffer.concat([Buffer.from('{"x":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
  ),
  'payload behind a byte-order mark': rawToken(
    JSON.stringify(HEADER),
    Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(claims()))]),
  ),
  'payload with a duplicated sub (last wins)': rawToken(
    JSON.stringify(HEADER),
    JSON.stringify(claims()).replace('{', '{"sub":"first",'),
  ),
  'payload with __proto__': rawToken(
    JSON.stringify(HEADER),
    JSON.stringify(claims()).replace('{', '{"__proto__":{"admin":true},'),
  ),
  'tampered signature': `${validInput}.${flip(validSignature, 10)}`,
  'tampered payload': `${validHeader}.${b64(JSON.stringify(claims({ sub: 'someone-else' })))}.${validSignature}`,
  'tampered header': `${b64(JSON.stringify({ ...HEADER, kid: 'x' }))}.${validPayload}.${validSignature}`,
  'signature cut short': `${validInput}.${validSignature.slice(0, 42)}`,
  'signature of 33 bytes': `${validInput}.${b64(Buffer.concat([Buffer.from(validSignature, 'base64url'), Buffer.from([0])]))}`,
  'signature empty': `${validInput}.`,
  'empty string': '',
  'one segment': validHeader,
  'two segments': validInput,
  'four segments': `${valid}.${validSignature}`,
  'trailing dot': `${valid}.`,
  'leading dot': `.${valid}`,
  'only dots': '..',
  'non-ASCII in the payload segment': `${validHeader}.${validPayload}é.${validSignature}`,
  'huge token, signed': token(HEADER, claims({ padding: 'x'.repeat(1_000_000) })),
  'huge garbage': `${'A'.repeat(500_000)}.${'B'.repeat(500_000)}.${validSignature}`,
};

/** Tokens jose (atob) accepts and the verifier refuses: other spellings of a good token. */
const stricter: Record<string, string> = {
  'signature with padding': `${validInput}.${validSignature}=`,
  'signature with stray low bits': `${validInput}.${validSignature.slice(0, -1)}${lowBitVariant(validSignature.at(-1)!)}`,
  'signature with a space inside': `${validInput}.${validSignature.slice(0, 20)} ${validSignature.slice(20)}`,
  'payload segment padded, signed as padded': signedAsIs(`${validHeader}.${paddedPayload()}`),
};

/** The same 6-bit prefix with other low bits: decodes to the same bytes under atob. */
function lowBitVariant(last: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  return alphabet[alphabet.indexOf(last) ^ 1]!;
}
/** A payload segment with base64 padding (its claims chosen so that the encoding needs it). */
function paddedPayload(): string {
  for (const jti of ['a', 'ab', 'abc']) {
    const encoded = b64(JSON.stringify(claims({ jti })));
    if (encoded.length % 4 !== 0) return encoded + '='.repeat(4 - (encoded.length % 4));
  }
  throw new Error('one of three lengths in a row needs padding');
}
function signedAsIs(input: string): string {
  return `${input}.${hmac('sha256', SECRET, input)}`;
}

describe('access-token verification (node:crypto) against jose', () => {
  beforeAll(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: NOW_MS });
  });
  afterAll(() => {
    vi.useRealTimers();
  });

  it('judges every token of the corpus as jose does', async () => {
    const outcomes: Record<string, string> = {};
    for (const [name, candidate] of Object.entries(corpus)) {
      const expected = await joseVerify(candidate);
      expect(await service.verify(candidate), name).toEqual(expected);
      outcomes[name] = expected.ok ? 'ok' : expected.reason;
    }
    // The corpus exercises all three outcomes, so agreement is not agreement on "invalid".
    expect(outcomes['valid, built by hand']).toBe('ok');
    expect(outcomes['expired a minute ago']).toBe('expired');
    expect(outcomes['alg none, no signature']).toBe('invalid');
    expect(outcomes['huge token, signed']).toBe('ok');
  });

  it('accepts its own tokens with the claims jose reads', async () => {
    const { token: signed, expiresAt } = await service.sign('user-1', 'session-1');
    const verified = await service.verify(signed);
    expect(verified).toEqual(await joseVerify(signed));
    expect(verified).toEqual({
      ok: true,
      claims: { userId: 'user-1', sessionId: 'session-1', expiresAt },
    });
  });

  it('refuses other spellings of a good token that jose lets through', async () => {
    for (const [name, candidate] of Object.entries(stricter)) {
      expect((await joseVerify(candidate)).ok, `jose accepts: ${name}`).toBe(true);
      expect(await service.verify(candidate), name).toEqual({ ok: false, reason: 'invalid' });
    }
  });

  it('agrees with jose on single-character mutations of a good token', async () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ';
    let seed = 7;
    const random = (below: number) => {
      // A fixed linear congruential sequence: the same mutations on every run.
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    for (let round = 0; round < 600; round += 1) {
      const at = random(valid.length + 1);
      const character = alphabet[random(alphabet.length)]!;
      const kind = random(3);
      const mutated =
        kind === 0
          ? valid.slice(0, at) + character + valid.slice(at + 1)
          : kind === 1
            ? valid.slice(0, at) + character + valid.slice(at)
            : valid.slice(0, at) + valid.slice(at + 1);
      const expected = canonical(mutated)
        ? await joseVerify(mutated)
        : { ok: false, reason: 'invalid' };
      expect(await service.verify(mutated), JSON.stringify(mutated)).toEqual(expected);
    }
  });
});

/** Every segment spelled the one way base64url without padding spells its bytes. */
function canonical(candidate: string): boolean {
  return candidate
    .split('.')
    .every(
      (segment) =>
        /^[A-Za-z0-9_-]*$/.test(segment) &&
        Buffer.from(segment, 'base64url').toString('base64url') === segment,
    );
}
