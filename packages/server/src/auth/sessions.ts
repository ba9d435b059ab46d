import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Database, Queryable } from '../store/database';
import { refreshTokens, sessions } from '../store/schema';
import {
  generateRefreshToken,
  hashRefreshSecret,
  parseRefreshToken,
  refreshSecretMatches,
} from './refresh-token';

/**
 * Sessions are refresh-token families: a login starts one, each refresh rotates its token, and
 * revoking it ends every token of the family (and, through the session check on every request,
 * every access token issued for it).
 */
export interface IssuedRefresh {
  userId: string;
  sessionId: string;
  refreshToken: string;
  /** When the new refresh token (and the session, unless refreshed again) expires. */
  refreshExpiresAt: Date;
}

export interface RefreshPolicy {
  /** Lifetime of a refresh token; each rotation extends the session by as much. */
  ttlMs: number;
  /** A rotated token presented again within this window is a second tab, not a theft. */
  reuseGraceMs: number;
}

export type RevokeReason = 'logout' | 'refresh-reuse';

export type RotationOutcome =
  | ({ kind: 'rotated' } & IssuedRefresh)
  | { kind: 'reused'; userId: string; sessionId: string }
  | { kind: 'invalid' };

async function issueToken(tx: Queryable, sessionId: string, expiresAt: Date): Promise<string> {
  const { id, secret, token } = generateRefreshToken();
  await tx
    .insert(refreshTokens)
    .values({ id, sessionId, secretHash: hashRefreshSecret(secret), expiresAt });
  return token;
}

/** Starts a session for a user who just proved who they are, with its first refresh token. */
export async function startSession(
  tx: Queryable,
  userId: string,
  policy: Pick<RefreshPolicy, 'ttlMs'>,
  userAgent: string | undefined,
): Promise<IssuedRefresh> {
  const refreshExpiresAt = new Date(Date.now() + policy.ttlMs);
  const [session] = await tx
    .insert(sessions)
    .values({ userId, expiresAt: refreshExpiresAt, userAgent: userAgent?.slice(0, 256) ?? null })
    .returning({ id: sessions.id });
  const sessionId = (session as { id: string }).id;
  const refreshToken = await issueToken(tx, sessionId, refreshExpiresAt);
  return { userId, sessionId, refreshToken, refreshExpiresAt };
}

/**
 * Exchanges a refresh token for a new one in the same session. The session and token rows are
 * locked (SELECT ... FOR UPDATE), so two tabs refreshing with the same token at once are serialized:
 * the first rotates it, the second finds it rotated a moment ago (within the grace window) and
 * gets a fresh token of the same family. A token rotated longer ago was copied: the whole
 * session is revoked.
 */
export async function rotateRefreshToken(
  db: Database,
  presented: string,
  policy: RefreshPolicy,
): Promise<RotationOutcome> {
  const parts = parseRefreshToken(presented);
  if (!parts) return { kind: 'invalid' };
  // Taken on arrival, before waiting for the lock: a tab that arrived together with the one that
  // rotated stays within the grace window however long the other transaction held the lock.
  const now = new Date();
  return db.transaction(async (tx): Promise<RotationOutcome> => {
    // The session row is locked first and every token lock is taken under it, so refreshes of
    // one family queue on one lock and can never deadlock on each other's token rows.
    const [family] = await tx
      .select({ sessionId: refreshTokens.sessionId })
      .from(refreshTokens)
      .where(eq(refreshTokens.id, parts.id));
    if (!family) return { kind: 'invalid' };
    const [session] = await tx
      .select()
      .from(sessions)
      .where(eq(sessions.id, family.sessionId))
      .for('update');
    const [token] = await tx
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.id, parts.id))
      .for('update');
    if (!token || !refreshSecretMatches(parts.secret, token.secretHash)) return { kind: 'invalid' };
    if (!session || session.revokedAt || session.expiresAt <= now || token.expiresAt <= now) {
      return { kind: 'invalid' };
    }
    if (token.rotatedAt && now.getTime() - token.rotatedAt.getTime() >= policy.reuseGraceMs) {
      await markRevoked(tx, session.id, 'refresh-reuse', now);
      return { kind: 'reused', userId: session.userId, sessionId: session.id };
    }
    if (!token.rotatedAt) {
      await tx.update(refreshTokens).set({ rotatedAt: now }).where(eq(refreshTokens.id, token.id));
    }
    const refreshExpiresAt = new Date(now.getTime() + policy.ttlMs);
    // Rotated tokens stay until they expire (to recognise reuse); expired ones can go.
    await tx
      .delete(refreshTokens)
      .where(and(eq(refreshTokens.sessionId, session.id), lt(refreshTokens.expiresAt, now)));
    await tx
      .update(sessions)
      .set({ expiresAt: refreshExpiresAt })
      .where(eq(sessions.id, session.id));
    const refreshToken = await issueToken(tx, session.id, refreshExpiresAt);
    return {
      kind: 'rotated',
      userId: session.userId,
      sessionId: session.id,
      refreshToken,
      refreshExpiresAt,
    };
  });
}

async function markRevoked(
  tx: Queryable,
  sessionId: string,
  reason: RevokeReason,
  now: Date,
): Promise<{ userId: string } | null> {
  const [revoked] = await tx
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, sessionId), isNull(sessions.revokedAt)))
    .returning({ userId: sessions.userId });
  return revoked ?? null;
}

/** Revokes a live session; answers its user, or null when it was already over or unknown. */
export function revokeSession(
  db: Queryable,
  sessionId: string,
  reason: RevokeReason,
): Promise<{ userId: string } | null> {
  return markRevoked(db, sessionId, reason, new Date());
}

/** The session a refresh token belongs to (rotated or not), for logout; null if unknown. */
export async function sessionOfRefreshToken(
  db: Queryable,
  presented: string,
): Promise<string | null> {
  const parts = parseRefreshToken(presented);
  if (!parts) return null;
  const [token] = await db
    .select({ sessionId: refreshTokens.sessionId, secretHash: refreshTokens.secretHash })
    .from(refreshTokens)
    .where(eq(refreshTokens.id, parts.id));
  if (!token || !refreshSecretMatches(parts.secret, token.secretHash)) return null;
  return token.sessionId;
}
