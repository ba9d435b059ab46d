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

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);

/** True when the database could not be reached, as opposed to rejecting the query. */
export function isConnectionError(error: unknown): boolean {
  for (const e of causes(error)) {
    if (typeof e.code === 'string' && (CONNECTION_CODES.has(e.code) || e.code.startsWith('08'))) {
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
