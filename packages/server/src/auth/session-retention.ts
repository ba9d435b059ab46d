import { lt, or } from 'drizzle-orm';
import type { Database } from '../store/database';
import { sessions } from '../store/schema';

/**
 * Ended sessions are kept this long after they expired or were revoked, so an access token issued
 * just before still meets a row that says why it no longer works; then they go (their refresh
 * tokens with them, by cascade).
 */
export const ENDED_SESSION_KEEP_MS = 24 * 3_600_000;

/** Deletes sessions that ended more than ENDED_SESSION_KEEP_MS ago; returns how many went. */
export async function pruneEndedSessions(db: Database, now = Date.now()): Promise<number> {
  const cutoff = new Date(now - ENDED_SESSION_KEEP_MS);
  const deleted = await db
    .delete(sessions)
    .where(or(lt(sessions.expiresAt, cutoff), lt(sessions.revokedAt, cutoff)))
    .returning({ id: sessions.id });
  return deleted.length;
}
