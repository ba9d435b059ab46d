/**
 * Whether a WebSocket upgrade with this `Origin` may proceed. Browsers always send `Origin` on a
 * WebSocket handshake, so a present header must be exactly one of the allowed origins (the server's
 * own and CORS_ORIGINS): scheme, host and port, compared as whole strings, never by prefix or
 * suffix, and never the opaque `null`. Non-browser clients send no `Origin` and go on to
 * authentication (a token is required either way).
 */
export function isOriginAllowed(
  origin: string | undefined,
  allowedOrigins: readonly string[],
): boolean {
  if (origin === undefined) return true;
  return allowedOrigins.includes(origin);
}
