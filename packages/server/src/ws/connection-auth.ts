import {
  type AuthFailedMessage,
  TOKEN_EXPIRED_MESSAGE,
  WS_CLOSE,
  type WsCloseName,
} from '@tidings/protocol';
import { isAppError } from '../errors';

export interface AuthRefusal {
  message: AuthFailedMessage;
  close: WsCloseName;
}

/**
 * The `auth_failed` message and close for a failed authentication, with a reason a client can
 * act on: `token-expired` (refresh and reconnect), `session-revoked` (sign in again) or
 * `auth-failed`. Null for an error that is not about the credential (the database is down).
 */
export function authRefusal(error: unknown): AuthRefusal | null {
  if (!isAppError(error)) return null;
  switch (error.code) {
    case 'TOKEN_EXPIRED':
      return tokenExpired();
    case 'SESSION_REVOKED':
      return {
        message: {
          type: 'auth_failed',
          reason: 'auth-failed',
          code: 'SESSION_REVOKED',
          message:
            'The session has been revoked (logout or a reused refresh token); sign in again.',
        },
        close: 'SESSION_REVOKED',
      };
    case 'TOKEN_INVALID':
    case 'UNAUTHENTICATED':
      return {
        message: {
          type: 'auth_failed',
          reason: 'auth-failed',
          code: 'TOKEN_INVALID',
          message: 'Invalid authentication token: send a current access token.',
        },
        close: 'AUTH_FAILED',
      };
    default:
      return null;
  }
}

export function tokenExpired(): AuthRefusal {
  return {
    message: {
      type: 'auth_failed',
      reason: 'token-expired',
      code: 'TOKEN_EXPIRED',
      message: TOKEN_EXPIRED_MESSAGE,
    },
    close: 'TOKEN_EXPIRED',
  };
}

export function otherUser(): AuthRefusal {
  return {
    message: {
      type: 'auth_failed',
      reason: 'auth-failed',
      code: 'FORBIDDEN',
      message: 'The token belongs to another user; open a new connection to switch users.',
    },
    close: 'AUTH_FAILED',
  };
}

/** The close code and reason of a named close. */
export function closeOf(name: WsCloseName): { code: number; reason: string } {
  return WS_CLOSE[name];
}
