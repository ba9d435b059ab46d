import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENDED_SESSION_KEEP_MS, pruneEndedSessions } from '../../src/auth/session-retention';
import { changeLog, sessions } from '../../src/store/schema';
import { pruneChangeLog } from '../../src/sync/change-log-retention';
import { startTestServer, type TestServer } from '../helpers/test-server';
import { createTestUser } from '../helpers/test-user';

const DAY_MS = 86_400_000;

/** Pruning deletes a bounded chunk per statement (store/chunked-delete.ts). */
describe('pruning in chunks', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  afterEach(() => vi.restoreAllMocks());

  it('deletes old change-log entries a chunk per statement and keeps the recent ones', async () => {
    const db = server.store.db;
    const { userId } = await createTestUser(server);
    await db.execute(sql`
      insert into change_log (user_id, seq, type, payload, created_at)
      select ${userId}::uuid, n, 'note_deleted', '{}'::jsonb,
        now() - interval '40 days' + n * interval '1 minute'
      from generate_series(1, 5) as n`);
    await db.execute(sql`
      insert into change_log (user_id, seq, type, payload)
      values (${userId}::uuid, 6, 'note_deleted', '{}'::jsonb)`);
    const execute = vi.spyOn(db, 'execute');

    expect(await pruneChangeLog(db, 30 * DAY_MS, 2)).toBe(5);
    // Two full chunks, then one that found fewer than a chunk and ended the pass.
    expect(execute).toHaveBeenCalledTimes(3);
    const left = await db
      .select({ seq: changeLog.seq })
      .from(changeLog)
      .where(eq(changeLog.userId, userId));
    expect(left.map((row) => row.seq)).toEqual([6]);
  });

  it('deletes ended sessions a chunk per statement', async () => {
    const db = server.store.db;
    const ended = await Promise.all([1, 2, 3].map(() => createTestUser(server)));
    const live = await createTestUser(server);
    const longAgo = new Date(Date.now() - ENDED_SESSION_KEEP_MS - 60_000);
    for (const { sessionId } of ended) {
      await db.update(sessions).set({ expiresAt: longAgo }).where(eq(sessions.id, sessionId));
    }
    const execute = vi.spyOn(db, 'execute');

    expect(await pruneEndedSessions(db, Date.now(), 2)).toBe(3);
    expect(execute).toHaveBeenCalledTimes(2);
    const left = (await db.select({ id: sessions.id }).from(sessions)).map((row) => row.id);
    expect(left).toContain(live.sessionId);
    for (const { sessionId } of ended) expect(left).not.toContain(sessionId);
  });
});
