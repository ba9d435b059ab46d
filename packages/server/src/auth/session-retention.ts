import { sql } from 'drizzle-orm';
import { deleteInChunks } from '../store/chunked-delete';
import type { Database } from '../store/database';

/**
 * Ended sessions are kept this long after they expired or were revoked, so an access token issued
 * just before still meets a row that says why it no longer works; then they go (their refresh
 * tokens with them, by cascade).
 */
export const ENDED_SESSION_KEEP_MS = 24 * 3_600_000;

/** Deletes sessions that ended more than ENDED_SESSION_KEEP_MS ago; returns how many went. */
export async function pruneEndedSessions(
  db: Database,
  now = Date.now(),
  chunkRows?: number,
): Promise<number> {
  const cutoff = new Date(now - ENDED_SESSION_KEEP_MS).toISOString();
  return deleteInChunks(
    db,
    (limit) => sql`
      delete from sessions where id in (
        select id from sessions
        where expires_at < ${cutoff}::timestamptz or revoked_at < ${cutoff}::timestamptz
        limit ${limit})`,
    chunkRows,
  );
}
