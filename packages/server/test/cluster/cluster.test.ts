import type { Note } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, clusterSkipReason, startCluster } from '../helpers/cluster';
import { eq } from 'drizzle-orm';
import { notes } from '../../src/store/schema';
import { signMessage } from '../../src/ws/message-signing';
import { openSse } from '../helpers/sse-client';
import { openAuthed, openWs } from '../helpers/ws-client';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe.skipIf(clusterSkipReason !== null)('three instances on Postgres and Redis', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(['a', 'b', 'c'], {
      REDIS_URL,
      WS_MAX_CONNECTIONS_PER_USER: '3',
      CLUSTER_CENSUS_INTERVAL_MS: '200',
    });
  }, 180_000);
  afterAll(() => cluster?.close());

  it('delivers a write on one instance to the user’s streams on the others, same seq', async () => {
    const [a, b, c] = cluster.instances;
    const user = await cluster.createUser();
    const onB = await openSse(`${b!.url}/api/events`, user.headers);
    const onC = await openSse(`${c!.url}/api/events`, user.headers);
    expect((await onB.next())?.event).toBe('ready');
    expect((await onC.next())?.event).toBe('ready');

    const response = await fetch(`${a!.url}/api/notes`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Across instances' }),
    });
    expect(response.status).toBe(201);
    const { note } = (await response.json()) as { note: Note };

    for (const stream of [onB, onC]) {
      const frame = await stream.next();
      expect(frame).toMatchObject({ event: 'note_created_sync', id: '1' });
      expect((frame?.data as { noteData: Note }).noteData.id).toBe(note.id);
      stream.close();
    }
  });

  it('fans a WebSocket edit out to the user’s sockets on the other instances', async () => {
    const [a, b, c] = cluster.instances;
    const user = await cluster.createUser();
    const onB = await openAuthed(b!.wsUrl, user.token);
    const onC = await openAuthed(c!.wsUrl, user.token);
    const onA = await openAuthed(a!.wsUrl, user.token);
    onA.send({ type: 'note_created', noteData: { title: 'From a socket on a' } });
    for (const socket of [onB, onC]) {
      const event = await socket.nextOfType('note_created_sync');
      expect(event).toMatchObject({ seq: 1, noteData: { title: 'From a socket on a' } });
    }
    for (const socket of [onA, onB, onC]) socket.close();
  });

  it('reports cluster figures next to each instance’s own in /websocket/status and /metrics', async () => {
    const [a, b, c] = cluster.instances;
    const user = await cluster.createUser();
    const onA = await openAuthed(a!.wsUrl, user.token);
    const onB = await openAuthed(b!.wsUrl, user.token);
    const stream = await openSse(`${c!.url}/api/events`, user.headers);
    expect((await stream.next())?.event).toBe('ready');
    type Status = {
      connections: { total: number };
      cluster: { instances: number; connections: { authenticated: number }; sseStreams: number };
    };
    let status: Status | undefined;
    for (let i = 0; i < 50; i++) {
      status = (await (await fetch(`${c!.url}/websocket/status`)).json()) as Status;
      if (status.cluster.connections.authenticated === 2 && status.cluster.sseStreams === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toMatchObject({
      connections: { total: 0 },
      cluster: { instances: 3, connections: { authenticated: 2 }, sseStreams: 1 },
    });
    const metrics = await (await fetch(`${a!.url}/metrics`)).text();
    expect(metrics).toMatch(/^tidings_cluster_instances 3$/m);
    expect(metrics).toMatch(/^tidings_ws_connections_authenticated 1$/m);
    for (const socket of [onA, onB]) socket.close();
    stream.close();
  });

  it('counts the per-user connection limit across instances', async () => {
    const [a, b, c] = cluster.instances;
    const user = await cluster.createUser();
    const first = await openAuthed(a!.wsUrl, user.token);
    const second = await openAuthed(b!.wsUrl, user.token);
    const third = await openAuthed(b!.wsUrl, user.token);
    const fourth = await openWs(`${c!.wsUrl}/ws`, { headers: user.headers });
    expect(await fourth.nextOfType('error')).toMatchObject({ code: 'TOO_MANY_CONNECTIONS' });
    expect((await fourth.closed).code).toBe(1008);

    // A slot freed on one instance can be taken on another.
    first.close();
    await first.closed;
    let retry = await openWs(`${c!.wsUrl}/ws`, { headers: user.headers });
    for (let i = 0; i < 20; i++) {
      const reply = await retry.next();
      if (reply.type === 'auth_success') break;
      if (reply.type === 'error') {
        await retry.closed;
        await new Promise((resolve) => setTimeout(resolve, 100));
        retry = await openWs(`${c!.wsUrl}/ws`, { headers: user.headers });
      }
    }
    expect(retry.received.map((m) => m.type)).toContain('auth_success');
    for (const socket of [retry, second, third]) socket.close();
  });

  it('refuses a nonce replayed on another instance', async () => {
    const [a, b] = cluster.instances;
    const user = await cluster.createUser();
    const onA = await openAuthed(a!.wsUrl, user.token);
    const onB = await openAuthed(b!.wsUrl, user.token);
    const secretOf = (socket: typeof onA) =>
      socket.received.find((m) => m.type === 'auth_success')?.sessionSecret as string;
    const nonce = 'the-same-nonce-twice';
    onA.send(signMessage(secretOf(onA), { type: 'ping' }, Date.now(), nonce));
    expect((await onA.next()).type).toBe('pong');
    onB.send(signMessage(secretOf(onB), { type: 'ping' }, Date.now(), nonce));
    expect(await onB.nextOfType('error')).toMatchObject({ code: 'REPLAYED_NONCE' });
    onA.close();
    onB.close();
  });

  it('closes a session’s sockets on every instance when it logs out on one', async () => {
    const [a, b, c] = cluster.instances;
    const user = await cluster.createUser();
    const onB = await openAuthed(b!.wsUrl, user.token);
    const onC = await openAuthed(c!.wsUrl, user.token);
    const logout = await fetch(`${a!.url}/api/auth/logout`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(logout.status).toBe(204);
    for (const socket of [onB, onC]) {
      expect(await socket.closed).toEqual({ code: 1008, reason: 'session-revoked' });
    }
  });
});

describe.skipIf(clusterSkipReason !== null)('draining on SIGTERM', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(['stays', 'drains'], { REDIS_URL, SHUTDOWN_TIMEOUT_MS: '5000' });
  }, 180_000);
  afterAll(() => cluster?.close());

  it('tells sockets to reconnect (1001), ends streams, finishes writes and exits 0', async () => {
    const [stays, drains] = cluster.instances;
    const user = await cluster.createUser();
    const socket = await openAuthed(drains!.wsUrl, user.token);
    const stream = await openSse(`${drains!.url}/api/events`, user.headers);
    expect((await stream.next())?.event).toBe('ready');

    const writes = Array.from({ length: 20 }, (_, i) =>
      fetch(`${drains!.url}/api/notes`, {
        method: 'POST',
        headers: { ...user.headers, 'content-type': 'application/json' },
        body: JSON.stringify({ title: `in flight ${i}` }),
      }).then(
        async (response) =>
          response.status === 201 ? 201 : `${response.status} ${await response.text()}`,
        () => 'refused' as const,
      ),
    );
    const exit = drains!.stop('SIGTERM');
    expect(await socket.closed).toEqual({ code: 1001, reason: 'server-shutdown' });
    expect(await stream.next()).toBeNull();
    expect(await exit).toBe(0);

    // Every write was answered 201 and stored, or refused before it started (connection refused,
    // or the registered 503 SHUTTING_DOWN): none was cut off half-done or lost.
    const statuses = await Promise.all(writes);
    const refusedWhileDraining = (status: number | string) =>
      status === 'refused' || (typeof status === 'string' && status.includes('SHUTTING_DOWN'));
    expect(statuses.filter((s) => s !== 201 && !refusedWhileDraining(s))).toEqual([]);
    const stored = await cluster.store.db.select().from(notes).where(eq(notes.userId, user.userId));
    expect(stored).toHaveLength(statuses.filter((status) => status === 201).length);

    // The client goes to the instance that stays and finds everything there.
    const again = await openAuthed(stays!.wsUrl, user.token);
    again.send({ type: 'ping' });
    expect((await again.nextOfType('pong')).type).toBe('pong');
    again.close();
  });
});

describe.skipIf(clusterSkipReason !== null)('two instances on Postgres alone (no Redis)', () => {
  let cluster: Cluster;
  beforeAll(async () => {
    cluster = await startCluster(['p', 'q'], {});
  }, 180_000);
  afterAll(() => cluster?.close());

  it('fans out over LISTEN/NOTIFY and closes a logged-out session on the other instance', async () => {
    const [p, q] = cluster.instances;
    const user = await cluster.createUser();
    const onQ = await openAuthed(q!.wsUrl, user.token);
    const onP = await openAuthed(p!.wsUrl, user.token);
    onP.send({ type: 'folder_created', folderData: { name: 'Via Postgres' } });
    expect(await onQ.nextOfType('folder_created_sync')).toMatchObject({
      seq: 1,
      folderData: { name: 'Via Postgres' },
    });
    const logout = await fetch(`${p!.url}/api/auth/logout`, {
      method: 'POST',
      headers: { ...user.headers, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(logout.status).toBe(204);
    expect(await onQ.closed).toEqual({ code: 1008, reason: 'session-revoked' });
  });
});
