import type { SyncEvent } from '@tidings/protocol';
import { eq } from 'drizzle-orm';
import { changeLog, users } from '../src/store/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commitTestChanges } from './helpers/test-changes';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openAuthed, openWs } from './helpers/ws-client';

describe('WebSocket limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      WS_RATE_LIMIT_MAX_MESSAGES: '5',
      WS_RATE_LIMIT_WINDOW_MS: '60000',
      WS_RATE_LIMIT_DISCONNECT_AFTER: '3',
      WS_MAX_MESSAGE_BYTES: '1024',
      WS_MAX_CONNECTIONS_PER_USER: '2',
      WS_HEARTBEAT_INTERVAL_MS: '400',
    });
  });
  afterAll(() => server.close());

  it('drops messages past the rate with RATE_LIMITED and a retry hint, then closes a flooder', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    for (let i = 0; i < 20; i++) client.send({ type: 'ping' });
    const { code, reason } = await client.closed;
    expect({ code, reason }).toEqual({ code: 1008, reason: 'rate-limited' });
    const replies = client.received.slice(2);
    expect(replies.filter((m) => m.type === 'pong')).toHaveLength(5);
    const limited = replies.filter((m) => m.type === 'error');
    expect(limited).toHaveLength(3);
    for (const error of limited) {
      expect(error).toMatchObject({ code: 'RATE_LIMITED' });
      expect((error.details as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    }
  });

  it('closes a connection that sends more than the maximum without authenticating', async () => {
    const client = await openWs(`${server.wsUrl}/ws`, { expectAuth: false });
    for (let i = 0; i < 8; i++) client.send({ type: 'ping' });
    const { code, reason } = await client.closed;
    expect({ code, reason }).toEqual({ code: 1008, reason: 'rate-limited' });
    // The first five were answered (unauthenticated); the sixth ended the connection.
    const refused = client.received.filter((m) => m.type === 'error');
    expect(refused.map((m) => m.code)).toEqual(Array(5).fill('UNAUTHENTICATED'));
  });

  it('closes with 1009 on a message larger than WS_MAX_MESSAGE_BYTES', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'note_created', noteData: { title: 'x'.repeat(2_000) } });
    expect((await client.closed).code).toBe(1009);
  });

  it('refuses the connection past WS_MAX_CONNECTIONS_PER_USER with an error and 1008', async () => {
    const user = await createTestUser(server);
    const first = await openAuthed(server.wsUrl, user.accessToken);
    const second = await openAuthed(server.wsUrl, user.accessToken);
    const third = await openWs(`${server.wsUrl}/ws`, { headers: user.headers });
    expect((await third.next()).type).toBe('connection_established');
    expect(await third.next()).toMatchObject({ type: 'error', code: 'TOO_MANY_CONNECTIONS' });
    expect(await third.closed).toEqual({ code: 1008, reason: 'too-many-connections' });
    // Another user is not affected; a freed slot can be taken again.
    const other = await createTestUser(server);
    (await openAuthed(server.wsUrl, other.accessToken)).close();
    first.close();
    await first.closed;
    let again = await openWs(`${server.wsUrl}/ws`, { headers: user.headers });
    for (let attempt = 0; attempt < 20; attempt++) {
      await again.next();
      if ((await again.next()).type === 'auth_success') break;
      await again.closed;
      again = await openWs(`${server.wsUrl}/ws`, { headers: user.headers });
    }
    expect(again.received[1]?.type).toBe('auth_success');
    again.close();
    second.close();
  });

  it('terminates a peer that stops answering pings, and keeps one that answers', async () => {
    const user = await createTestUser(server);
    const silent = await openAuthed(server.wsUrl, user.accessToken, { autoPong: false });
    const lively = await openAuthed(server.wsUrl, user.accessToken);
    expect((await silent.closed).code).toBe(1006);
    lively.send({ type: 'ping' });
    expect((await lively.next()).type).toBe('pong');
    lively.close();
  });
});

describe('WebSocket backpressure', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A long heartbeat, so the paused reader is closed for its backlog, not for its silence.
    server = await startTestServer({
      WS_HEARTBEAT_INTERVAL_MS: '10000',
      WS_MAX_BUFFERED_BYTES: '65536',
    });
  });
  afterAll(() => server.close());

  async function status(): Promise<{ connections: { total: number; authenticated: number } }> {
    return (await fetch(`${server.url}/websocket/status`)).json() as Promise<{
      connections: { total: number; authenticated: number };
    }>;
  }

  /** The send budget counts real writes: the same with one frame per message or per tick. */
  const framings = [
    ['one message per frame', ''],
    ['batched frames', '?batch=1'],
  ];

  it.each(framings)(
    'closes a connection that stops reading once WS_MAX_BUFFERED_BYTES are queued (%s)',
    async (_framing, query) => {
      const user = await createTestUser(server);
      const reader = await openWs(`${server.wsUrl}/ws${query}`, {
        headers: user.headers,
        expectAuth: true,
      });
      const before = (await status()).connections.total;
      reader.socket.pause();
      const filler = 'x'.repeat(100_000);
      let seq = 0;
      // Events straight onto the hub: the cursor delivers the next seq without reading the log.
      for (let round = 0; round < 100 && (await status()).connections.total >= before; round++) {
        const events: SyncEvent[] = [];
        for (let i = 0; i < 10; i++) {
          seq += 1;
          events.push({
            type: 'folder_deleted_sync',
            folderId: filler,
            seq,
            timestamp: Date.now(),
            fromUserId: user.userId,
          });
        }
        server.app.context.hub.publish(user.userId, events);
      }
      expect((await status()).connections.total).toBe(before - 1);
      reader.socket.resume();
      expect(await reader.closed).toEqual({ code: 4000, reason: 'slow-consumer' });
    },
  );

  it.each(framings)(
    'paces a large replay to the reader instead of cutting it off (%s)',
    async (_framing, query) => {
      const user = await createTestUser(server);
      // 600 events of 8 KB, written straight into the log: two pages, each far above the limit.
      const count = 600;
      const filler = 'y'.repeat(8_000);
      await server.store.db.insert(changeLog).values(
        Array.from({ length: count }, (_, i) => ({
          userId: user.userId,
          seq: i + 1,
          type: 'folder_deleted_sync',
          payload: { folderId: filler, timestamp: Date.now(), fromUserId: user.userId },
        })),
      );
      await server.store.db.update(users).set({ lastSeq: count }).where(eq(users.id, user.userId));
      const client = await openWs(`${server.wsUrl}/ws${query}`, {
        headers: user.headers,
        expectAuth: true,
      });
      client.send({ type: 'resume', since: 0 });
      const seqs: number[] = [];
      let liveWritten = false;
      for (;;) {
        const message = await client.next(15_000);
        if (message.type === 'resumed') break;
        seqs.push(message.seq as number);
        if (!liveWritten) {
          // Live changes while the replay is still queued for the client.
          liveWritten = true;
          await commitTestChanges(server, user.userId, 3);
        }
      }
      while (seqs.length < count + 3) seqs.push((await client.next(15_000)).seq as number);
      expect(seqs).toEqual(Array.from({ length: count + 3 }, (_, i) => i + 1));
      client.close();
    },
  );
});
