import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneChangeLog } from '../src/sync/change-log-retention';
import { commitTestChanges } from './helpers/test-changes';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import {
  openAuthed,
  openWs,
  type Received,
  UpgradeRefused,
  type WsClient,
} from './helpers/ws-client';

const seqsOf = (messages: Received[]) =>
  messages
    .filter((m) => typeof m.seq === 'number' && m.type.endsWith('_sync'))
    .map((m) => m.seq as number);

/** Collects messages until `done` says so; returns them all. */
async function collectUntil(client: WsClient, done: (m: Received) => boolean, timeoutMs = 15_000) {
  const collected: Received[] = [];
  for (;;) {
    const message = await client.next(timeoutMs);
    collected.push(message);
    if (done(message)) return collected;
  }
}

describe('WebSocket resume from the change log', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('carries the latest seq in auth_success and on every event', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 2);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    expect(client.received[1]).toMatchObject({ type: 'auth_success', seq: 2 });
    await commitTestChanges(server, user.userId, 1);
    expect(await client.next()).toMatchObject({ type: 'folder_deleted_sync', seq: 3 });
    client.close();
  });

  it('replays what was missed while away, in order, then says resumed and goes on live', async () => {
    const user = await createTestUser(server);
    const first = await openAuthed(server.wsUrl, user.accessToken);
    await commitTestChanges(server, user.userId, 3);
    expect(seqsOf(await first.take(3))).toEqual([1, 2, 3]);
    first.close();
    await first.closed;

    const missed = await commitTestChanges(server, user.userId, 5);
    const second = await openAuthed(server.wsUrl, user.accessToken);
    second.send({ type: 'resume', since: 3, clientMsgId: 'r1' });
    const replay = await collectUntil(second, (m) => m.type === 'resumed');
    expect(replay.slice(0, 5)).toEqual(missed);
    expect(replay.at(-1)).toEqual({ type: 'resumed', seq: 8, clientMsgId: 'r1' });
    await commitTestChanges(server, user.userId, 1);
    expect((await second.next()).seq).toBe(9);
    second.close();
  });

  it('resumes as part of the handshake (?since=): replay, resumed, then live, each seq once', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 5);
    const client = await openWs(`${server.wsUrl}/ws?since=2`, {
      headers: user.headers,
      expectAuth: true,
    });
    expect(client.received[1]).toMatchObject({ type: 'auth_success', seq: 5 });
    // Live changes race the replay; none may come before it or twice.
    const racing = commitTestChanges(server, user.userId, 5);
    const upToResumed = await collectUntil(client, (m) => m.type === 'resumed');
    await racing;
    const rest = await client.take(8 - seqsOf(upToResumed).length);
    const seqs = seqsOf([...upToResumed, ...rest]);
    expect(seqs).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seqsOf(upToResumed)[0]).toBe(3);
    client.close();
  });

  it('takes since in the auth message too, and refuses a malformed since at the upgrade', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 3);
    const client = await openWs(`${server.wsUrl}/ws`, { expectAuth: false });
    client.send({ type: 'auth', token: user.accessToken, since: 1 });
    const messages = await collectUntil(client, (m) => m.type === 'resumed');
    expect(messages.map((m) => m.type)).toEqual([
      'auth_success',
      'folder_deleted_sync',
      'folder_deleted_sync',
      'resumed',
    ]);
    expect(seqsOf(messages)).toEqual([2, 3]);
    client.close();

    const refused = await openWs(`${server.wsUrl}/ws?since=-1`, { headers: user.headers }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect((refused as UpgradeRefused).status).toBe(400);
  });

  it('loses, repeats and reorders nothing while live traffic races a replay', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 40);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'resume', since: 0 });
    const writer = commitTestChanges(server, user.userId, 40);
    // Until the replay (which starts at seq 1) has reached the last write and said `resumed`.
    let replaying = false;
    let reachedEnd = false;
    let resumedSeen = false;
    const messages = await collectUntil(client, (m) => {
      if (m.seq === 1) replaying = true;
      if (replaying && m.seq === 80 && m.type.endsWith('_sync')) reachedEnd = true;
      if (m.type === 'resumed') resumedSeen = true;
      return reachedEnd && resumedSeen;
    });
    await writer;
    const seqs = seqsOf(messages);
    // Live events sent before the server read `resume` (if any) are all newer than the start.
    const replayStart = seqs.indexOf(1);
    expect(seqs.slice(0, replayStart).every((seq) => seq > 40)).toBe(true);
    // From the replay on: every seq once, in order.
    expect(seqs.slice(replayStart)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    const resumed = messages.find((m) => m.type === 'resumed');
    expect(resumed?.seq).toBeGreaterThanOrEqual(40);
    client.close();
  });

  it('replays large gaps in pages', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 1_200);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'resume', since: 0 });
    const replay = await collectUntil(client, (m) => m.type === 'resumed', 30_000);
    expect(seqsOf(replay)).toEqual(Array.from({ length: 1_200 }, (_, i) => i + 1));
    client.close();
  }, 60_000);

  it('fills a gap on a live connection when asked again', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    await commitTestChanges(server, user.userId, 5);
    expect(seqsOf(await client.take(5))).toEqual([1, 2, 3, 4, 5]);
    client.send({ type: 'resume', since: 2 });
    const replay = await collectUntil(client, (m) => m.type === 'resumed');
    expect(seqsOf(replay)).toEqual([3, 4, 5]);
    expect(replay.at(-1)).toEqual({ type: 'resumed', seq: 5 });
    client.close();
  });

  it('answers resync_required for a seq the user never had', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 2);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'resume', since: 99 });
    expect(await client.next()).toEqual({ type: 'resync_required', seq: 2 });
    await commitTestChanges(server, user.userId, 1);
    expect((await client.next()).seq).toBe(3);
    client.close();
  });

  it("cannot reach another user's seq space", async () => {
    const alice = await createTestUser(server);
    const bob = await createTestUser(server);
    await commitTestChanges(server, alice.userId, 10);
    const client = await openAuthed(server.wsUrl, bob.accessToken);
    client.send({ type: 'resume', since: 3 });
    expect(await client.next()).toEqual({ type: 'resync_required', seq: 0 });
    client.send({ type: 'resume', since: 0 });
    expect(await client.next()).toEqual({ type: 'resumed', seq: 0 });
    await commitTestChanges(server, alice.userId, 1);
    const [bobsOwn] = await commitTestChanges(server, bob.userId, 1);
    expect(await client.next()).toEqual(bobsOwn);
    client.close();
  });

  it("replays the connection's own earlier changes to a new connection", async () => {
    const user = await createTestUser(server);
    const writer = await openAuthed(server.wsUrl, user.accessToken);
    writer.send({ type: 'folder_created', folderData: { name: 'Mine' } });
    const reply = await writer.next();
    expect(reply).toMatchObject({ type: 'folder_created_success', seq: 1 });
    writer.close();
    const reader = await openAuthed(server.wsUrl, user.accessToken);
    reader.send({ type: 'resume', since: 0 });
    const replay = await collectUntil(reader, (m) => m.type === 'resumed');
    expect(replay[0]).toMatchObject({ type: 'folder_created_sync', seq: 1 });
    reader.close();
  });
});

describe('WebSocket resume at the retention boundary', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('asks a client behind the retained log to resync, and resumes one that is current', async () => {
    const user = await createTestUser(server);
    await commitTestChanges(server, user.userId, 3);
    // Retention 0: every entry written so far is older than the cut-off.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await pruneChangeLog(server.store.db, 0)).toBe(3);

    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'resume', since: 1 });
    expect(await client.next()).toEqual({ type: 'resync_required', seq: 3 });
    client.send({ type: 'resume', since: 3 });
    expect(await client.next()).toEqual({ type: 'resumed', seq: 3 });
    await commitTestChanges(server, user.userId, 1);
    expect((await client.next()).seq).toBe(4);
    client.close();
  });
});
