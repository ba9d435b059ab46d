import type { AppContext } from '../app';
import { AppError } from '../errors';
import type { Principal } from './principal';

/**
 * Verifies an access token and that its session is still live (logout and a revoked family end
 * access at once, not when the token runs out). Throws TOKEN_EXPIRED, TOKEN_INVALID or
 * SESSION_REVOKED.
 */
export async function authenticateToken(
  context: Pick<AppContext, 'accessTokens' | 'sessions'>,
  token: string,
): Promise<Principal> {
  const principal = await verifyAccessToken(context, token);
  if ((await context.sessions.latestSeqIfLive(principal)) === null) {
    throw new AppError('SESSION_REVOKED');
  }
  return principal;
}

/**
 * The token's signature, claims and lifetime only; the session is NOT checked yet. Throws
 * TOKEN_EXPIRED or TOKEN_INVALID. Callers must ask `LiveSessions` before trusting it.
 */
export async function verifyAccessToken(
  context: Pick<AppContext, 'accessTokens'>,
  token: string,
): Promise<Principal> {
  const verified = await context.accessTokens.verify(token);
  if (!verified.ok) {
    throw new AppError(verified.reason === 'expired' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
  }
  const { userId, sessionId, expiresAt } = verified.claims;
  return { userId, sessionId, expiresAt };
}
