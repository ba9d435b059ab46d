import type { ClientErrorCode } from '@tidings/client';
import { isTidingsError } from '@tidings/client';
import type { ErrorCode } from '@tidings/protocol';

/**
 * What the user reads for every code the server or the SDK can produce. Typed over the whole
 * table: a code added to ERROR_CODES does not compile until it has a message here.
 */
const MESSAGES: Record<ErrorCode | ClientErrorCode, string> = {
  VALIDATION_FAILED: 'Some of what you entered is not valid. Check the fields and try again.',
  MALFORMED_MESSAGE: 'The app sent something the server could not read. Reload the page.',
  UNKNOWN_MESSAGE_TYPE: 'The app and the server do not match. Reload the page.',
  UNAUTHENTICATED: 'Please sign in to continue.',
  TOKEN_EXPIRED: 'Your sign-in expired. Please sign in again.',
  TOKEN_INVALID: 'Your sign-in is no longer valid. Please sign in again.',
  INVALID_CREDENTIALS: 'That email and password do not match an account.',
  REFRESH_INVALID: 'Your session has ended. Please sign in again.',
  REFRESH_REUSED: 'For your safety you were signed out everywhere. Please sign in again.',
  SESSION_REVOKED:
    'You were signed out (perhaps from another tab or device). Please sign in again.',
  INVALID_SIGNATURE: 'A message could not be verified. Reload the page.',
  SIGNATURE_REQUIRED: 'This server requires signed messages. Reload the page.',
  STALE_MESSAGE: 'Your device clock seems off. Check the time settings and reload.',
  REPLAYED_NONCE: 'A message was sent twice and refused. Reload the page.',
  CSRF_INVALID: 'Your page is out of date. Reload it and try again.',
  ORIGIN_FORBIDDEN: 'This page is not allowed to talk to the server.',
  FORBIDDEN: 'You are not allowed to do that.',
  NOT_FOUND: 'That item no longer exists. It may have been deleted elsewhere.',
  EMAIL_TAKEN: 'An account with this email already exists. Try signing in.',
  VERSION_CONFLICT: 'This note was changed elsewhere at the same time.',
  PAYLOAD_TOO_LARGE: 'This note is too large to save.',
  MESSAGE_TOO_LARGE: 'This change is too large to send.',
  UNSUPPORTED_MEDIA_TYPE:
    'The app sent data in a form the server does not accept. Reload the page.',
  RATE_LIMITED: 'Too many attempts. Wait a moment and try again.',
  TOO_MANY_CONNECTIONS: 'Too many open tabs or devices. Close some and try again.',
  INTERNAL_ERROR: 'Something went wrong on the server. Try again.',
  DB_UNAVAILABLE: 'The server cannot reach its database right now. Try again shortly.',
  SHUTTING_DOWN: 'The server is restarting. Try again in a moment.',
  NETWORK_ERROR: 'Cannot reach the server. Check your connection.',
  UNEXPECTED_RESPONSE: 'The server sent an unexpected answer. Try again.',
  SIGNED_OUT: 'Please sign in to continue.',
};

/** A sentence for any thrown value; never the raw code or stack. */
export function humanMessage(error: unknown): string {
  if (isTidingsError(error)) return MESSAGES[error.code];
  return 'Something went wrong. Try again.';
}

/** For validation errors: which fields were wrong, in words. */
export function fieldProblems(error: unknown): string[] {
  if (!isTidingsError(error, 'VALIDATION_FAILED') || !Array.isArray(error.details)) return [];
  return error.details
    .map((detail: { path?: unknown }) =>
      Array.isArray(detail.path) ? detail.path.join('.') : detail.path,
    )
    .filter((path): path is string => typeof path === 'string' && path !== '')
    .map((path) => `Check the ${path} field.`);
}
