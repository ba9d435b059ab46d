import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENDED_SESSION_KEEP_MS, pruneEndedSessions } from '../src/auth/session-retention';
import { sessions } from '../src/store/schema';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';

describe('ended sessions are pruned', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('deletes sessions a day after they expired or were revoked, and keeps live ones', async () => {
    const db = server.store.db;
    const live = await createTestUser(server);
    const expired = await createTestUser(server);
    const revoked = await createTestUser(server);
    const recentlyRevoked = await createTestUser(server);
    const longAgo = new Date(Date.now() - ENDED_SESSION_KEEP_MS - 60_000);
    await db.update(sessions).set({ expiresAt: longAgo }).where(eq(sessions.id, expired.sessionId));
    await db.update(sessions).set({ revokedAt: longAgo }).where(eq(sessions.id, revoked.sessionId));
    await db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(eq(sessions.id, recentlyRevoked.sessionId));

    expect(await pruneEndedSessions(db)).toBe(2);
    const left = (await db.select({ id: sessions.id }).from(sessions)).map((row) => row.id);
    expect(left).toEqual(expect.arrayContaining([live.sessionId, recentlyRevoked.sessionId]));
    expect(left).not.toContain(expired.sessionId);
    expect(left).not.toContain(revoked.sessionId);
  });
});
