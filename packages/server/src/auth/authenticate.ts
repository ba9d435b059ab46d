import { and, eq, gt, isNull } from 'drizzle-orm';
import type { AppContext } from '../app';
import { AppError } from '../errors';
import { sessions } from '../store/schema';
import type { Principal } from './principal';

/**
 * Verifies an access token and that its session is still live (logout and a revoked family end
 * access at once, not when the token runs out). Throws TOKEN_EXPIRED, TOKEN_INVALID or
 * SESSION_REVOKED.
 */
export async function authenticateToken(
  context: Pick<AppContext, 'accessTokens' | 'store'>,
  token: string,
): Promise<Principal> {
  const verified = await context.accessTokens.verify(token);
  if (!verified.ok) {
    throw new AppError(verified.reason === 'expired' ? 'TOKEN_EXPIRED' : 'TOKEN_INVALID');
  }
  const { userId, sessionId, expiresAt } = verified.claims;
  const [live] = await context.store.db
    .select({ id: sessions.id })
    .from(sessions)
    .where(
      and(
        eq(sessions.id, sessionId),
        eq(sessions.userId, userId),
        isNull(sessions.revokedAt),
        gt(sessions.expiresAt, new Date()),
      ),
    )
    .limit(1);
  if (!live) throw new AppError('SESSION_REVOKED');
  return { userId, sessionId, expiresAt };
}
