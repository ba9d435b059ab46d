import { ERROR_CODES, type ErrorCode, type ErrorEnvelope } from '@tidings/protocol';

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
