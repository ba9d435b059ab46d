import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed double-submit CSRF tokens bound to the browser's session: `nonce.mac`, where
 * mac = HMAC-SHA256(key, nonce + session id) and the key is derived from the server secret (HKDF,
 * its own label, so it never equals the JWT key). The same value travels in an httpOnly cookie
 * and in the X-CSRF-Token header; a request passes only when both are equal and the mac is good
 * for the session the request's access cookie names ('' before sign-in). So a pair forged
 * without the key fails, and so does a genuine pair obtained for another session (for example
 * one an attacker planted as a cookie from a sibling subdomain).
 */
export interface CsrfTokens {
  /** A new token for `binding` (a session id, or '' without one). */
  issue(binding: string): string;
  /** True when the header token equals the cookie token and is signed for `binding`. */
  verify(
    headerToken: string | undefined,
    cookieToken: string | undefined,
    binding: string,
  ): boolean;
  /** True when a token (from a cookie) is well-formed and signed for `binding`. */
  isValid(token: string | undefined, binding: string): boolean;
}

const NONCE_BYTES = 32;
const TOKEN = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;

export function createCsrfTokens(serverSecret: string): CsrfTokens {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, '', 'tidings csrf token v1', 32));
  // The nonce is base64url (no '.'), so `nonce.binding` is unambiguous.
  const sign = (nonce: string, binding: string) =>
    createHmac('sha256', key).update(`${nonce}.${binding}`).digest('base64url');

  const isValid = (token: string | undefined, binding: string): boolean => {
    if (token === undefined || !TOKEN.test(token)) return false;
    const [nonce, mac] = token.split('.') as [string, string];
    const expected = Buffer.from(sign(nonce, binding));
    const presented = Buffer.from(mac);
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  };

  return {
    issue(binding) {
      const nonce = randomBytes(NONCE_BYTES).toString('base64url');
      return `${nonce}.${sign(nonce, binding)}`;
    },
    verify(headerToken, cookieToken, binding) {
      if (headerToken === undefined || cookieToken === undefined) return false;
      const header = Buffer.from(headerToken);
      const cookie = Buffer.from(cookieToken);
      if (header.length !== cookie.length || !timingSafeEqual(header, cookie)) return false;
      return isValid(cookieToken, binding);
    },
    isValid,
  };
}
