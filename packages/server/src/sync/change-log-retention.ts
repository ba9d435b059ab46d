import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { deleteInChunks } from '../store/chunked-delete';
import type { Database } from '../store/database';
import { pruneEndedSessions } from '../auth/session-retention';

/** How often old change-log entries are pruned; retention is in days, so hourly is plenty. */
const PRUNE_INTERVAL_MS = 3_600_000;

/** Deletes change-log entries older than `retentionMs`, oldest first; returns how many went. */
export async function pruneChangeLog(
  db: Database,
  retentionMs: number,
  chunkRows?: number,
): Promise<number> {
  const cutoff = new Date(Date.now() - retentionMs).toISOString();
  return deleteInChunks(
    db,
    (limit) => sql`
      delete from change_log where (user_id, seq) in (
        select user_id, seq from change_log where created_at < ${cutoff}::timestamptz
        order by created_at limit ${limit})`,
    chunkRows,
  );
}

/**
 * Housekeeping, now and then every hour until stopped: old change-log entries and long-ended
 * sessions. A failure is logged and retried next time.
 */
export function schedulePruning(
  db: Database,
  retentionMs: number,
  log: FastifyBaseLogger,
): () => void {
  const prune = async () => {
    await pruneChangeLog(db, retentionMs).then(
      (count) => count > 0 && log.info({ count }, 'pruned old change-log entries'),
      (error: unknown) => log.warn({ err: error }, 'could not prune the change log'),
    );
    await pruneEndedSessions(db).then(
      (count) => count > 0 && log.info({ count }, 'pruned ended sessions'),
      (error: unknown) => log.warn({ err: error }, 'could not prune ended sessions'),
    );
  };
  void prune();
  const timer = setInterval(() => void prune(), PRUNE_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
