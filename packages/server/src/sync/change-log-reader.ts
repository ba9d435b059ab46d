import type { SyncEvent } from '@tidings/protocol';
import { and, asc, eq, gt, lte, min } from 'drizzle-orm';
import type { Database } from '../store/database';
import { changeLog, users } from '../store/schema';
import { eventFromStored } from './change-log-payload';

/** Reads a user's change log: the source every live stream and every resume is filled from. */
export interface ChangeLogReader {
  /** Up to `limit` events with seq > `afterSeq` (and <= `untilSeq` when given), in order. */
  read(userId: string, afterSeq: number, limit: number, untilSeq?: number): Promise<SyncEvent[]>;
  /** The user's latest seq (0 before their first change). */
  latestSeq(userId: string): Promise<number>;
  /**
   * Whether a client that has applied everything up to `seq` can be brought up to date from the
   * log: false when entries after it were pruned, or when it claims a seq the user never had.
   */
  canResumeFrom(userId: string, seq: number): Promise<{ ok: boolean; latestSeq: number }>;
}

export function createChangeLogReader(db: Database): ChangeLogReader {
  async function latestSeq(userId: string): Promise<number> {
    const [row] = await db
      .select({ lastSeq: users.lastSeq })
      .from(users)
      .where(eq(users.id, userId))
      .limit(1);
    return row?.lastSeq ?? 0;
  }

  return {
    async read(userId, afterSeq, limit, untilSeq) {
      const rows = await db
        .select({ seq: changeLog.seq, type: changeLog.type, payload: changeLog.payload })
        .from(changeLog)
        .where(
          and(
            eq(changeLog.userId, userId),
            gt(changeLog.seq, afterSeq),
            untilSeq === undefined ? undefined : lte(changeLog.seq, untilSeq),
          ),
        )
        .orderBy(asc(changeLog.seq))
        .limit(limit);
      return rows.map((row) => eventFromStored(row.type, row.seq, row.payload));
    },
    latestSeq,
    async canResumeFrom(userId, seq) {
      const latest = await latestSeq(userId);
      if (!Number.isInteger(seq) || seq < 0 || seq > latest)
        return { ok: false, latestSeq: latest };
      if (seq === latest) return { ok: true, latestSeq: latest };
      const [row] = await db
        .select({ oldest: min(changeLog.seq) })
        .from(changeLog)
        .where(eq(changeLog.userId, userId));
      const oldest = row?.oldest === null || row?.oldest === undefined ? null : Number(row.oldest);
      // The entry right after `seq` must still be in the log, or the client missed pruned changes.
      return { ok: oldest !== null && oldest <= seq + 1, latestSeq: latest };
    },
  };
}
