import { ERROR_CODES, type ErrorCode, type ErrorEnvelope } from '@tidings/protocol';
import { isDatabaseUnavailable } from './store/db-errors';

/**
 * The only error type the product throws on purpose. Its code comes from the registered table
 * in @tidings/protocol, which fixes the HTTP status; anything else that escapes is a bug and
 * becomes INTERNAL_ERROR.
 */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CODES[code].message,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_CODES[code].status;
  }

  toEnvelope(): ErrorEnvelope {
    const body: ErrorEnvelope['error'] = { code: this.code, message: this.message };
    if (this.details !== undefined) body.details = this.details;
    return { error: body };
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/**
 * What a client gets for an error thrown without a code, over REST and WebSocket alike:
 * DB_UNAVAILABLE when the database was out of reach or out of room (trying again later can
 * succeed), else INTERNAL_ERROR, a bug the caller logs.
 */
export function unexpectedError(error: unknown, internalMessage?: string): AppError {
  return isDatabaseUnavailable(error)
    ? new AppError('DB_UNAVAILABLE')
    : new AppError('INTERNAL_ERROR', internalMessage);
}
