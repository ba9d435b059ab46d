import { sql } from 'drizzle-orm';
import type { Database } from '../store/database';
import { BatchedLookup } from '../store/batched-lookup';
import { readPrepared } from '../store/prepared-statements';
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
    const rows = await readPrepared<LiveSessionRow>(
      db,
      'tidings_live_sessions',
      sql`select s.id, s.user_id, u.last_seq
        from sessions s join users u on u.id = s.user_id
        where s.id = any(string_to_array(${ids.join(',')}, ',')::uuid[])
          and s.revoked_at is null and s.expires_at > ${new Date().toISOString()}::timestamptz`,
    );
    return new Map(
      rows.map((row) => [row.id, { userId: row.user_id, lastSeq: Number(row.last_seq) }]),
    );
  });
  return {
    async latestSeqIfLive({ userId, sessionId }) {
      const live = await lookup.get(sessionId);
      return live && live.userId === userId ? live.lastSeq : null;
    },
  };
}

interface LiveSessionRow {
  id: string;
  user_id: string;
  last_seq: number | string;
}
