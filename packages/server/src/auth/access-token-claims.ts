import type { VerifyResult } from './access-token';
import type { VerifiedJws } from './hs256-jws';

/** What an access token's header and claims must say. */
export interface AccessTokenRules {
  issuer: string;
  audience: string;
  /** The `typ` header, compared as jose compares media types (`application/` implied). */
  type: string;
}

/**
 * The claim checks jose's `jwtVerify` made with `issuer`, `audience`, `typ`,
 * `requiredClaims: ['exp', 'sub', 'sid']` and no clock tolerance, in its order: everything but
 * the expiry first, so only a token that is good apart from its age is reported `expired`.
 * `nowSeconds` is whole seconds since the epoch, as jose rounds it.
 */
export function checkAccessClaims(
  { header, payload }: VerifiedJws,
  rules: AccessTokenRules,
  nowSeconds: number,
): VerifyResult {
  const invalid: VerifyResult = { ok: false, reason: 'invalid' };
  if (typeof header.typ !== 'string' || mediaType(header.typ) !== mediaType(rules.type)) {
    return invalid;
  }
  const { iss, aud, iat, nbf, exp, sub, sid } = payload;
  // Required, so a token without them is invalid even when it has also expired (exp, iss and
  // aud are required too: their checks below fail when they are absent).
  if (sub === undefined || sid === undefined) return invalid;
  if (iss !== rules.issuer || !hasAudience(aud, rules.audience)) return invalid;
  if (iat !== undefined && typeof iat !== 'number') return invalid;
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) return invalid;
  if (typeof exp !== 'number') return invalid;
  if (exp <= nowSeconds) {
    // The signature was good, so this session id is ours (the CSRF binding survives expiry).
    return { ok: false, reason: 'expired', ...(typeof sid === 'string' && { sessionId: sid }) };
  }
  if (typeof sub !== 'string' || typeof sid !== 'string') return invalid;
  return { ok: true, claims: { userId: sub, sessionId: sid, expiresAt: exp * 1000 } };
}

/** `at+jwt` and `application/at+jwt` name the same type, in any case (RFC 7515 §4.1.9). */
function mediaType(value: string): string {
  const lower = value.toLowerCase();
  return value.includes('/') ? lower : `application/${lower}`;
}

/** `aud` is the audience or an array holding it. */
function hasAudience(aud: unknown, audience: string): boolean {
  return aud === audience || (Array.isArray(aud) && aud.includes(audience));
}
