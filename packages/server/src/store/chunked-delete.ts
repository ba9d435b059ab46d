import type { SQL } from 'drizzle-orm';
import type { Database } from './database';

/** The most rows one pruning statement deletes. */
export const DELETE_CHUNK_ROWS = 1_000;

/**
 * Deletes in statements of at most `chunkRows` rows until one deletes fewer, letting the event
 * loop run between them. On PGlite a statement runs on the event loop's own thread: one DELETE
 * of 100,000 change-log rows held it for 608 ms in one run and 666 ms in another, and no socket
 * was served meanwhile. In chunks of 1,000 the longest hold was 14 and 38 ms (median 6 ms), the
 * whole pass 590 and 715 ms.
 * `deleteUpTo(limit)` is a DELETE of at most `limit` rows. Returns how many went.
 */
export async function deleteInChunks(
  db: Database,
  deleteUpTo: (limit: number) => SQL,
  chunkRows = DELETE_CHUNK_ROWS,
): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = affectedRowsOf(await db.execute(deleteUpTo(chunkRows)));
    total += deleted;
    if (deleted < chunkRows) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** node-postgres counts them in `rowCount`, PGlite in `affectedRows`. */
function affectedRowsOf(result: unknown): number {
  const { rowCount, affectedRows } = result as { rowCount?: number | null; affectedRows?: number };
  return rowCount ?? affectedRows ?? 0;
}
