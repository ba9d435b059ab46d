import { randomUUID } from 'node:crypto';
import type { Note } from '@tidings/protocol';
import type { TestServer } from './test-server';
import { sessions, users } from '../../src/store/schema';

export interface TestUser {
  userId: string;
  sessionId: string;
  accessToken: string;
  /** `{ authorization: 'Bearer …' }`, for fetch. */
  headers: Record<string, string>;
}

/**
 * A user with a live session and an access token, written straight to the store. For suites that
 * test something other than sign-up; the auth suites go through the real routes.
 */
export async function createTestUser(server: TestServer, email?: string): Promise<TestUser> {
  const db = server.store.db;
  const [user] = await db
    .insert(users)
    .values({ email: email ?? `user-${randomUUID()}@example.test`, passwordHash: 'unusable' })
    .returning({ id: users.id });
  const [session] = await db
    .insert(sessions)
    .values({ userId: user!.id, expiresAt: new Date(Date.now() + 3_600_000) })
    .returning({ id: sessions.id });
  const { token } = await server.app.context.accessTokens.sign(user!.id, session!.id);
  return {
    userId: user!.id,
    sessionId: session!.id,
    accessToken: token,
    headers: { authorization: `Bearer ${token}` },
  };
}

/** A test user who owns one note with `fields` (made through the notes service, as the app does). */
export async function createTestUserWithNote(
  server: TestServer,
  fields: { title: string; content: string },
): Promise<{ user: TestUser; note: Note }> {
  const user = await createTestUser(server);
  const note = await server.app.context.data.notes.create({ userId: user.userId }, fields);
  return { user, note };
}
