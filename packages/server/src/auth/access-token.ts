import { randomUUID, webcrypto } from 'node:crypto';
import { SignJWT } from 'jose';
import { checkAccessClaims } from './access-token-claims';
import { Hs256Jws } from './hs256-jws';

/** Pinned so that no other algorithm (and never `none`) is accepted. */
const ALGORITHM = 'HS256';
const ISSUER = 'tidings';
const AUDIENCE = 'tidings-api';
/** The JWT `typ` header of access tokens; refresh tokens are opaque and can never carry it. */
const TOKEN_TYPE = 'at+jwt';
/** Checked on every token; no clock tolerance: an expired token is expired (tests rely on it). */
const RULES = { issuer: ISSUER, audience: AUDIENCE, type: TOKEN_TYPE };

export interface AccessClaims {
  userId: string;
  sessionId: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

export type VerifyResult =
  | { ok: true; claims: AccessClaims }
  /** `sessionId` of an expired token whose signature is good (CSRF binding survives expiry). */
  | { ok: false; reason: 'expired'; sessionId?: string }
  | { ok: false; reason: 'invalid' };

export interface AccessTokenService {
  sign(userId: string, sessionId: string): Promise<{ token: string; expiresAt: number }>;
  /** Never throws for a bad token: it answers why the token is not acceptable. */
  verify(token: string): Promise<VerifyResult>;
}

export function createAccessTokenService(secret: string, ttlMs: number): AccessTokenService {
  // Imported once for signing: handing jose the raw bytes makes it import the key every time.
  const key = webcrypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  // Verified on the event loop with node:crypto (hs256-jws.ts), the same checks jose made.
  const verifier = new Hs256Jws(secret);
  return {
    async sign(userId, sessionId) {
      const now = Date.now();
      // exp is whole seconds; keep expiresAt in step with what verification will enforce.
      const expSeconds = Math.floor((now + ttlMs) / 1000);
      const token = await new SignJWT({ sid: sessionId })
        .setProtectedHeader({ alg: ALGORITHM, typ: TOKEN_TYPE })
        .setSubject(userId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(Math.floor(now / 1000))
        .setExpirationTime(expSeconds)
        .setJti(randomUUID())
        .sign(await key);
      return { token, expiresAt: expSeconds * 1000 };
    },
    async verify(token) {
      const jws = typeof token === 'string' ? verifier.verify(token) : null;
      if (!jws) return { ok: false, reason: 'invalid' };
      return checkAccessClaims(jws, RULES, Math.floor(Date.now() / 1000));
    },
  };
}
