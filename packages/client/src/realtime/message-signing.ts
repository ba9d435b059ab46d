/** A message wrapped for servers that check signatures (`WS_REQUIRE_SIGNED_MESSAGES`). */
export interface SignedEnvelope {
  payload: object;
  /** base64(HMAC-SHA256(key = sessionSecret, JSON.stringify({ payload, timestamp, nonce }))) */
  signature: string;
  timestamp: number;
  nonce: string;
}

/**
 * Signs with the per-connection `sessionSecret` from `auth_success` (random per connection, so a
 * signature is worthless on any other connection). Web Crypto: the same code in browsers and Node.
 */
export async function signMessage(
  payload: object,
  sessionSecret: string,
  now: number = Date.now(),
): Promise<SignedEnvelope> {
  const nonceBytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(nonceBytes);
  const nonce = [...nonceBytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  const timestamp = now;
  const encoder = new TextEncoder();
  const key = await globalThis.crypto.subtle.importKey(
    'raw',
    encoder.encode(sessionSecret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await globalThis.crypto.subtle.sign(
    'HMAC',
    key,
    encoder.encode(JSON.stringify({ payload, timestamp, nonce })),
  );
  return { payload, signature: toBase64(new Uint8Array(mac)), timestamp, nonce };
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}
