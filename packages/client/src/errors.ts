import { ERROR_CODES, type ErrorCode, isErrorCode } from '@tidings/protocol';

/**
 * Codes the SDK itself raises, next to the server's registered ones: the request never got an
 * answer, or the answer was not a Tidings response.
 */
export const CLIENT_ERROR_CODES = {
  NETWORK_ERROR: 'The server could not be reached.',
  UNEXPECTED_RESPONSE: 'The server sent a response the client does not understand.',
  SIGNED_OUT: 'There is no signed-in session.',
} as const;

export type ClientErrorCode = keyof typeof CLIENT_ERROR_CODES;
export type TidingsErrorCode = ErrorCode | ClientErrorCode;

/** Every failure the SDK surfaces: the server's code (or a client code), status and details. */
export class TidingsError extends Error {
  override readonly name = 'TidingsError';

  constructor(
    readonly code: TidingsErrorCode,
    message: string,
    /** The HTTP status, or 0 when no response arrived. */
    readonly status: number = 0,
    /** The server's `details` (invalid fields, the current note of a conflict, ...). */
    readonly details?: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isTidingsError(value: unknown, code?: TidingsErrorCode): value is TidingsError {
  return value instanceof TidingsError && (code === undefined || value.code === code);
}

export function clientError(code: ClientErrorCode, cause?: unknown): TidingsError {
  return new TidingsError(code, CLIENT_ERROR_CODES[code], 0, undefined, { cause });
}

/** Builds the error of a non-2xx response from the server's `{ error: { code, ... } }` envelope. */
export function errorFromBody(status: number, body: unknown): TidingsError {
  const envelope = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } })
    ?.error;
  if (envelope && isErrorCode(envelope.code)) {
    const message =
      typeof envelope.message === 'string' ? envelope.message : ERROR_CODES[envelope.code].message;
    return new TidingsError(envelope.code, message, status, envelope.details);
  }
  return new TidingsError('UNEXPECTED_RESPONSE', `Unexpected response (HTTP ${status}).`, status);
}

/** Codes after which the session is over and the user must sign in again. */
const SESSION_ENDING_CODES: ReadonlySet<TidingsErrorCode> = new Set<TidingsErrorCode>([
  'REFRESH_INVALID',
  'REFRESH_REUSED',
  'SESSION_REVOKED',
  'UNAUTHENTICATED',
  'TOKEN_INVALID',
  'SIGNED_OUT',
]);

export function endsSession(error: unknown): boolean {
  return error instanceof TidingsError && SESSION_ENDING_CODES.has(error.code);
}
