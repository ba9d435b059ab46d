import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFor } from './helpers/api-client';
import { openSse } from './helpers/sse-client';
import { usingRealPostgres } from './helpers/test-database';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';

if (!usingRealPostgres) {
  console.warn('Postgres bus suite SKIPPED: it needs a real Postgres (set TEST_DATABASE_URL).');
}

describe.skipIf(!usingRealPostgres)('two instances on one Postgres and no Redis', () => {
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    first = await startTestServer();
    // Same database, its own app and hub: as a second process would be.
    second = await startTestServer({}, { store: first.store, jwtSecret: first.config.jwtSecret! });
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
  });

  it('uses LISTEN/NOTIFY as the bus and says so in /readyz', async () => {
    const ready = (await (await fetch(`${second.url}/readyz`)).json()) as {
      checks: { bus: string };
    };
    expect(ready.checks.bus).toBe('ok');
  });

  it("delivers a write on one instance to the user's stream on the other, once and in order", async () => {
    const user = await createTestUser(first);
    const stream = await openSse(`${second.url}/api/events`, user.headers);
    expect((await stream.next())?.event).toBe('ready');
    const api = apiFor(first, user.headers);
    const created = await api<{ note: { id: string } }>('POST', '/api/notes', { title: 'one' });
    await api('PATCH', `/api/notes/${created.body.note.id}`, { title: 'two' });
    const frames = await stream.take(2);
    expect(frames.map((frame) => [frame.event, frame.id])).toEqual([
      ['note_created_sync', '1'],
      ['note_sync', '2'],
    ]);
    stream.close();
  });

  it('ends the session’s streams on the other instance when it is revoked', async () => {
    const user = await createTestUser(first);
    const stream = await openSse(`${second.url}/api/events`, user.headers);
    expect((await stream.next())?.event).toBe('ready');
    first.app.context.hub.revokeSession(user.userId, user.sessionId);
    expect((await stream.next())?.event).toBe('session_revoked');
  });
});
