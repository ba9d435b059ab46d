import type { SyncEvent } from '@tidings/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ConnectionState,
  createTidingsClient,
  manualOnlineSignal,
  memorySessionStore,
  type RealtimeClient,
  type StateChange,
  type WebSocketConstructor,
} from '../src/index';
import { fakeApi, TEST_USER } from './helpers/fake-api';
import { startFakeGateway } from './helpers/fake-gateway';

type Gateway = Awaited<ReturnType<typeof startFakeGateway>>;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connectClient(
  gateway: Gateway,
  options: { signMessages?: boolean; expiresIn?: number } = {},
) {
  const api = fakeApi();
  const client = createTidingsClient({
    baseUrl: gateway.url,
    credentials: 'token',
    fetch: api.fetch,
    sessionStore: memorySessionStore({
      user: TEST_USER,
      accessToken: 'access-1',
      expiresAt: Date.now() + (options.expiresIn ?? 60_000),
      refreshToken: 'refresh-1',
    }),
  });
  const online = manualOnlineSignal(true);
  const realtime = client.realtime({
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    transport: 'websocket',
    onlineSignal: online,
    signMessages: options.signMessages ?? false,
    backoff: { minDelayMs: 5, maxDelayMs: 20 },
    refreshBeforeExpiryMs: 60_000,
  });
  const events: SyncEvent[] = [];
  const states: ConnectionState[] = [];
  realtime.on('event', (event) => events.push(event));
  realtime.on('state', (change: StateChange) => states.push(change.newState));
  realtime.connect();
  cleanups.push(() => realtime.disconnect());
  return { api, client, realtime, online, events, states };
}

function until<T>(
  realtime: RealtimeClient,
  event: 'ready' | 'resync' | 'sessionEnded',
): Promise<T> {
  return new Promise((resolve) => {
    const stop = realtime.on(event, (payload) => {
      stop();
      resolve(payload as T);
    });
  });
}

function untilState(realtime: RealtimeClient, state: ConnectionState): Promise<void> {
  return new Promise((resolve) => {
    if (realtime.state === state) return resolve();
    const stop = realtime.on('state', ({ newState }) => {
      if (newState !== state) return;
      stop();
      resolve();
    });
  });
}

async function gateway(options?: Parameters<typeof startFakeGateway>[0]): Promise<Gateway> {
  const started = await startFakeGateway(options);
  cleanups.push(() => started.close());
  return started;
}

describe('realtime over WebSocket', () => {
  it('authenticates in a message (never in the URL) and delivers live events', async () => {
    const server = await gateway();
    const { realtime, events } = connectClient(server);
    await until(realtime, 'ready');
    expect(realtime.state).toBe(ConnectionState.Connected);
    expect(server.received[0]).toEqual({ type: 'auth', token: 'access-1' });
    const arrived = new Promise((resolve) => realtime.on('event', resolve));
    server.publish('live');
    await arrived;
    expect(events.map((e) => e.seq)).toEqual([1]);
  });

  it('opts in to batched frames and applies a frame of several events one by one, in order', async () => {
    const server = await gateway();
    const { realtime, events } = connectClient(server);
    await until(realtime, 'ready');
    expect(new URL(server.urls[0]!, 'ws://x').searchParams.get('batch')).toBe('1');
    const seen: number[] = [];
    realtime.on('event', (event) => seen.push(event.seq));
    server.publishTogether(['a', 'b', 'c']);
    await expect.poll(() => events.length).toBe(3);
    expect(seen).toEqual([1, 2, 3]);
    expect(events.map((e) => (e as { changes: { title: string } }).changes.title)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(realtime.lastSeq).toBe(3);
  });

  it('skips an element of a batch that is not a message, as it would skip such a frame', async () => {
    const server = await gateway();
    const { realtime, events } = connectClient(server);
    await until(realtime, 'ready');
    const event = (seq: number) => ({
      type: 'note_sync',
      seq,
      timestamp: 0,
      fromUserId: 'u1',
      noteId: 'n1',
      changes: {},
      updatedNote: {},
    });
    server.record('one');
    server.record('two');
    server.sendRaw(JSON.stringify([event(1), 42, null, [event(9)], { seq: 3 }, event(2)]));
    await expect.poll(() => events.map((e) => e.seq)).toEqual([1, 2]);
  });

  it('reconnects after a drop and resumes from the last seq it applied, each event once', async () => {
    const server = await gateway();
    const { realtime, events, states } = connectClient(server);
    await until(realtime, 'ready');
    const first = new Promise((resolve) => realtime.on('event', resolve));
    server.publish('one');
    await first;

    const back = until(realtime, 'ready');
    server.closeAll(1011, 'boom');
    server.record('two');
    server.record('three');
    await back;
    const auth = await server.nextMessage((m) => m.type === 'auth' && m.since !== undefined);
    expect(auth).toMatchObject({ type: 'auth', since: 1 });
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3]);
    expect(states).toContain(ConnectionState.Reconnecting);
    expect(realtime.lastSeq).toBe(3);
  });

  it('asks the app to reload when the server cannot replay (resync_required)', async () => {
    const server = await gateway({ prunedBelow: 5 });
    const { realtime } = connectClient(server);
    await until(realtime, 'ready');
    server.publish('one');
    const resync = until<{ seq: number }>(realtime, 'resync');
    server.closeAll(1011, 'boom');
    expect(await resync).toEqual({ seq: 1 });
  });

  it('refreshes in band on auth_expiring without reconnecting', async () => {
    const server = await gateway();
    const { realtime, api } = connectClient(server, { expiresIn: 60_000 });
    await until(realtime, 'ready');
    server.sendToAll({ type: 'auth_expiring', expiresAt: Date.now() + 1_000 });
    const reauth = await server.nextMessage((m) => m.type === 'auth' && m.token !== 'access-1');
    expect(reauth.token).toBe('access-2');
    expect(api.refreshes).toBe(1);
    expect(server.connections).toBe(1);
  });

  it('a token the server calls expired is refreshed before the next attempt', async () => {
    const server = await gateway({ validTokens: new Set(['access-2']) });
    const { realtime, api } = connectClient(server);
    await until(realtime, 'ready');
    expect(api.refreshes).toBe(1);
    expect(server.received.filter((m) => m.type === 'auth').map((m) => m.token)).toEqual([
      'access-1',
      'access-2',
    ]);
  });

  it('ends the session on close 1008 session-revoked, without reconnecting', async () => {
    const server = await gateway();
    const { realtime, client } = connectClient(server);
    await until(realtime, 'ready');
    const ended = until<{ code: string }>(realtime, 'sessionEnded');
    server.closeAll(1008, 'session-revoked');
    expect((await ended).code).toBe('SESSION_REVOKED');
    expect(realtime.state).toBe(ConnectionState.Closed);
    await expect.poll(() => client.authState.status).toBe('signed-out');
    expect(server.connections).toBe(1);
  });

  it('goes Offline at once when the platform says so and reconnects when it is back', async () => {
    const server = await gateway();
    const { realtime, online } = connectClient(server);
    await until(realtime, 'ready');
    online.set(false);
    expect(realtime.state).toBe(ConnectionState.Offline);
    online.set(true);
    await untilState(realtime, ConnectionState.Connected);
    expect(server.connections).toBe(2);
  });

  it('signs messages after auth with the connection secret when asked to', async () => {
    const server = await gateway();
    const { realtime } = connectClient(server, { signMessages: true });
    await until(realtime, 'ready');
    realtime.send({ type: 'join_note', noteId: 'n1' });
    const envelope = await server.nextMessage((m) => m.signature !== undefined);
    expect(envelope.payload).toEqual({ type: 'join_note', noteId: 'n1' });
    expect(server.verify(envelope, 'secret-1')).toBe(true);
    expect(
      server.verify({ ...envelope, payload: { type: 'join_note', noteId: 'n2' } }, 'secret-1'),
    ).toBe(false);
  });

  it('replays queued edits over the socket with their clientMsgId; a conflict keeps both versions', async () => {
    const server = await gateway();
    const { realtime, client } = connectClient(server);
    const outbox = client.createOutbox();
    await until(realtime, 'ready');
    const applied = new Promise((resolve) => outbox.on('applied', resolve));
    await outbox.enqueue('n1', { title: 'mine' }, 1);
    await outbox.flush();
    await applied;
    const update = await server.nextMessage((m) => m.type === 'note_update');
    expect(update).toMatchObject({ noteId: 'n1', changes: { title: 'mine' }, baseVersion: 1 });
    expect(typeof update.clientMsgId).toBe('string');

    const conflict = new Promise((resolve) => outbox.on('conflict', resolve));
    await outbox.enqueue('n1', { title: 'stale' }, 1);
    await outbox.flush();
    expect(await conflict).toMatchObject({
      noteId: 'n1',
      local: { title: 'stale' },
      server: { title: 'theirs', version: 2 },
    });
  });

  it('does not apply an event ahead of the next seq; a resume fills the gap in order', async () => {
    const server = await gateway();
    const { realtime, events } = connectClient(server);
    await until(realtime, 'ready');
    server.record('missed'); // seq 1, never pushed
    server.record('ahead'); // seq 2
    server.pushOnly({
      type: 'note_sync',
      seq: 2,
      timestamp: 0,
      fromUserId: 'u1',
      noteId: 'n1',
      changes: {},
      updatedNote: {},
    });
    const resume = await server.nextMessage((m) => m.type === 'resume');
    expect(resume).toEqual({ type: 'resume', since: 0 });
    await expect.poll(() => events.map((e) => e.seq)).toEqual([1, 2]);
    expect(realtime.lastSeq).toBe(2);
  });
});
