/**
 * The one registered table of error codes. Every error the server can return over REST, a
 * WebSocket `error` message or an SSE event uses a code from here; docs/errors.md lists the same
 * codes and a test keeps the two in agreement.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid.' },
  MALFORMED_MESSAGE: { status: 400, message: 'The message is not valid JSON.' },
  UNKNOWN_MESSAGE_TYPE: { status: 400, message: 'The message type is not known.' },
  UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  TOKEN_EXPIRED: { status: 401, message: 'The access token has expired.' },
  TOKEN_INVALID: { status: 401, message: 'The access token is not valid.' },
  INVALID_CREDENTIALS: { status: 401, message: 'The email or password is wrong.' },
  REFRESH_INVALID: { status: 401, message: 'The refresh token is missing, expired or unknown.' },
  REFRESH_REUSED: {
    status: 401,
    message: 'The refresh token was already used; the session has been revoked.',
  },
  SESSION_REVOKED: { status: 401, message: 'The session has been revoked.' },
  INVALID_SIGNATURE: { status: 401, message: 'The message signature does not match.' },
  SIGNATURE_REQUIRED: { status: 401, message: 'This server requires signed messages.' },
  STALE_MESSAGE: { status: 401, message: 'The signed message timestamp is outside the window.' },
  REPLAYED_NONCE: { status: 401, message: 'The message nonce was already used.' },
  CSRF_INVALID: { status: 403, message: 'The CSRF token is missing or invalid.' },
  ORIGIN_FORBIDDEN: { status: 403, message: 'The request origin is not allowed.' },
  FORBIDDEN: { status: 403, message: 'Not allowed.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  EMAIL_TAKEN: { status: 409, message: 'An account with this email already exists.' },
  VERSION_CONFLICT: { status: 409, message: 'The note changed since the version you edited.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  MESSAGE_TOO_LARGE: { status: 413, message: 'The message is too large.' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Send JSON with Content-Type: application/json.',
  },
  RATE_LIMITED: { status: 429, message: 'Too many requests; slow down and retry later.' },
  TOO_MANY_CONNECTIONS: { status: 429, message: 'Too many open connections; close some first.' },
  INTERNAL_ERROR: { status: 500, message: 'Something went wrong on the server.' },
  DB_UNAVAILABLE: { status: 503, message: 'The database is unavailable; retry shortly.' },
  SHUTTING_DOWN: { status: 503, message: 'The server is restarting; reconnect shortly.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every REST error response. */
export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; details?: unknown };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}
