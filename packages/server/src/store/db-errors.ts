/** Postgres error codes and connection failures, seen through any wrapping the driver adds. */

interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  message?: unknown;
  cause?: unknown;
}

function* causes(error: unknown): Generator<PgLikeError> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    yield current as PgLikeError;
    current = (current as PgLikeError).cause;
  }
}

export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (const e of causes(error)) {
    if (e.code === '23505' && (constraint === undefined || e.constraint === constraint))
      return true;
  }
  return false;
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  // Class 53, out of a resource: the statement was sound and may succeed once there is room.
  '53000', // insufficient_resources
  '53100', // disk_full
  '53200', // out_of_memory
  '53300', // too_many_connections
  '58030', // io_error
]);

/**
 * True when the database could not be reached or could not do the work for want of a resource
 * (a full disk, memory, files), as opposed to rejecting the query: the client should try again
 * later (`DB_UNAVAILABLE`, with Retry-After), and nothing it sent is lost by that.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (const e of causes(error)) {
    if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || e.code.startsWith('08'))) {
      return true;
    }
    if (
      typeof e.message === 'string' &&
      /connection terminated|timeout exceeded when trying to connect|connection ended|Client has encountered a connection error|PGlite is closed/i.test(
        e.message,
      )
    ) {
      return true;
    }
  }
  return false;
}
