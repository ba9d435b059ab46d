import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Database } from '../store/database';
import { BatchedLookup } from '../store/batched-lookup';
import { sessions, users } from '../store/schema';
import type { Principal } from './principal';

/** Whether a token's session may still be used: checked on every request and every connect. */
export interface LiveSessions {
  /**
   * The user's latest change-log seq if the principal's session is live (not revoked, not past
   * its end), else null. Both in one read, because a WebSocket needs both on every connect.
   */
  latestSeqIfLive(principal: Principal): Promise<number | null>;
}

export function createLiveSessions(db: Database): LiveSessions {
  // Connects and requests that arrive together are checked in one statement.
  const lookup = new BatchedLookup<string, { userId: string; lastSeq: number }>(async (ids) => {
    const rows = await db
      .select({ id: sessions.id, userId: sessions.userId, lastSeq: users.lastSeq })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(
        and(
          inArray(sessions.id, [...ids]),
          isNull(sessions.revokedAt),
          gt(sessions.expiresAt, new Date()),
        ),
      );
    return new Map(rows.map((row) => [row.id, row]));
  });
  return {
    async latestSeqIfLive({ userId, sessionId }) {
      const live = await lookup.get(sessionId);
      return live && live.userId === userId ? live.lastSeq : null;
    },
  };
}
