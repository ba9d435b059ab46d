import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneChangeLog } from '../src/sync/change-log-retention';
import { openSse } from './helpers/sse-client';
import { commitTestChanges } from './helpers/test-changes';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';

describe('GET /api/events (SSE)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ SSE_KEEPALIVE_MS: '100' });
  });
  afterAll(() => server.close());

  it('refuses a request without credentials', async () => {
    const response = await fetch(`${server.url}/api/events`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
      'UNAUTHENTICATED',
    );
  });

  it('streams live changes with id = seq, unbuffered headers and keep-alives', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${server.url}/api/events`, user.headers);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toContain('no-cache');
    expect(stream.headers.get('x-accel-buffering')).toBe('no');
    expect(await stream.next()).toMatchObject({ event: 'ready', data: { seq: 0 } });

    const [committed] = await commitTestChanges(server, user.userId, 1);
    const frame = await stream.next();
    expect(frame).toEqual({ id: '1', event: 'folder_deleted_sync', data: committed });
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(stream.comments).toBeGreaterThan(0);
    stream.close();
  });

  it('resumes after Last-Event-ID in order and then continues live', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 5);
    const stream = await openSse(`${server.url}/api/events`, {
      ...user.headers,
      'last-event-id': '2',
    });
    const replayed = await stream.take(4);
    expect(replayed.map((f) => f.id)).toEqual(['3', '4', '5', undefined]);
    expect(replayed[3]).toMatchObject({ event: 'ready', data: { seq: 5 } });
    await commitTestChanges(server, user.userId, 1);
    expect((await stream.next())?.id).toBe('6');
    stream.close();
  });

  it('accepts lastEventId in the query for the first connect', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 3);
    const stream = await openSse(`${server.url}/api/events?lastEventId=1`, user.headers);
    expect((await stream.take(2)).map((f) => f.id)).toEqual(['2', '3']);
    stream.close();
  });

  it('answers resync_required for a seq the user never had, then streams from the latest', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 2);
    const stream = await openSse(`${server.url}/api/events`, {
      ...user.headers,
      'last-event-id': '999',
    });
    expect(await stream.next()).toMatchObject({ event: 'resync_required', data: { seq: 2 } });
    expect(await stream.next()).toMatchObject({ event: 'ready', data: { seq: 2 } });
    stream.close();
  });

  it("never shows one user another user's changes, whatever Last-Event-ID says", async () => {
    const alice = await createTestUser(server);
    const bob = await createTestUser(server);
    await commitTestChanges(server, alice.userId, 4);
    const stream = await openSse(`${server.url}/api/events`, {
      ...bob.headers,
      'last-event-id': '1',
    });
    expect(await stream.next()).toMatchObject({ event: 'resync_required', data: { seq: 0 } });
    expect(await stream.next()).toMatchObject({ event: 'ready' });
    await commitTestChanges(server, alice.userId, 1);
    const [bobsOwn] = await commitTestChanges(server, bob.userId, 1);
    expect(await stream.next()).toMatchObject({ id: '1', data: bobsOwn });
    stream.close();
  });

  it('delivers each change once and in order while live traffic races a replay', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 40);
    const stream = await openSse(`${server.url}/api/events`, {
      ...user.headers,
      'last-event-id': '0',
    });
    const writer = commitTestChanges(server, user.userId, 40);
    const frames = (await stream.take(81, 15_000)).filter((f) => f.id !== undefined);
    await writer;
    expect(frames.map((f) => Number(f.id))).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    stream.close();
  });

  it('accepts the token in the query string', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${server.url}/api/events?token=${user.accessToken}`);
    expect(stream.status).toBe(200);
    expect(await stream.next()).toMatchObject({ event: 'ready' });
    stream.close();
  });

  it('ends with session_revoked when the session is revoked', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${server.url}/api/events`, user.headers);
    await stream.next();
    server.app.context.hub.revokeSession(user.userId, user.sessionId);
    expect(await stream.next()).toMatchObject({ event: 'session_revoked' });
    expect(await stream.next()).toBeNull();
  });
});

describe('SSE token expiry', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ JWT_EXPIRATION_MINUTES: '0.02' });
  });
  afterAll(() => server.close());

  it('sends token_expired when the access token runs out and ends the stream', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${server.url}/api/events`, user.headers);
    await stream.next();
    expect(await stream.next(4_000)).toMatchObject({ event: 'token_expired' });
    expect(await stream.next()).toBeNull();
  });
});

describe('change-log retention', () => {
  let server: TestServer;
  beforeAll(async () => {
    // 0.00002 days is 1.7 seconds.
    server = await startTestServer({ CHANGELOG_RETENTION_DAYS: '0.00002' });
  });
  afterAll(() => server.close());

  it('asks a client behind the retained log to resync, and still resumes one that is current', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 3);
    await new Promise((resolve) => setTimeout(resolve, 1_900));
    expect(await pruneChangeLog(server.store.db, server.config.changeLogRetentionMs)).toBe(3);

    const behind = await openSse(`${server.url}/api/events`, {
      ...user.headers,
      'last-event-id': '1',
    });
    expect(await behind.next()).toMatchObject({ event: 'resync_required', data: { seq: 3 } });
    behind.close();

    const current = await openSse(`${server.url}/api/events`, {
      ...user.headers,
      'last-event-id': '3',
    });
    expect(await current.next()).toMatchObject({ event: 'ready', data: { seq: 3 } });
    current.close();
  });
});
