import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Signed double-submit CSRF tokens: `nonce.mac`, where mac = HMAC-SHA256(key, nonce) and the key
 * is derived from the server secret (HKDF, its own label, so it never equals the JWT key). The
 * same value travels in an httpOnly cookie and in the X-CSRF-Token header; a request passes only
 * when both are equal and the signature is ours, so a cookie and header pair forged without the
 * key (for example a cookie planted from a sibling subdomain) fails.
 */
export interface CsrfTokens {
  issue(): string;
  /** True when the header token equals the cookie token and carries a valid signature. */
  verify(headerToken: string | undefined, cookieToken: string | undefined): boolean;
  /** True when a token (from a cookie) is well-formed and signed by this server. */
  isSigned(token: string | undefined): boolean;
}

const NONCE_BYTES = 32;
const TOKEN = /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/;

export function createCsrfTokens(serverSecret: string): CsrfTokens {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, '', 'tidings csrf token v1', 32));
  const sign = (nonce: string) => createHmac('sha256', key).update(nonce).digest('base64url');

  const isSigned = (token: string | undefined): boolean => {
    if (token === undefined || !TOKEN.test(token)) return false;
    const [nonce, mac] = token.split('.') as [string, string];
    const expected = Buffer.from(sign(nonce));
    const presented = Buffer.from(mac);
    return expected.length === presented.length && timingSafeEqual(expected, presented);
  };

  return {
    issue() {
      const nonce = randomBytes(NONCE_BYTES).toString('base64url');
      return `${nonce}.${sign(nonce)}`;
    },
    verify(headerToken, cookieToken) {
      if (headerToken === undefined || cookieToken === undefined) return false;
      const header = Buffer.from(headerToken);
      const cookie = Buffer.from(cookieToken);
      if (header.length !== cookie.length || !timingSafeEqual(header, cookie)) return false;
      return isSigned(cookieToken);
    },
    isSigned,
  };
}
