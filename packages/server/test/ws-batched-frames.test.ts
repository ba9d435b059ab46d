import { SERVER_MESSAGE_TYPES, type Note } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BATCH_FRAME_CHARS } from '../src/ws/outbound-frames';
import { apiFor } from './helpers/api-client';
import { commitTestChanges } from './helpers/test-changes';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser, type TestUser } from './helpers/test-user';
import { openWs, type Received, UpgradeRefused, type WsClient } from './helpers/ws-client';

const BURST = 12;

const isSync = (m: Received) => m.type.endsWith('_sync') && typeof m.seq === 'number';

/** A frame's messages, checking on the way that it is a message or an array of two or more. */
function messagesIn(frame: unknown): Received[] {
  const messages = (Array.isArray(frame) ? frame : [frame]) as Received[];
  if (Array.isArray(frame)) expect(frame.length).toBeGreaterThanOrEqual(2);
  for (const message of messages) {
    expect(message).toBeTypeOf('object');
    expect(SERVER_MESSAGE_TYPES).toContain(message.type);
  }
  return messages;
}

/** Waits until `count` change events have arrived. */
async function syncEvents(client: WsClient, count: number): Promise<Received[]> {
  const events: Received[] = [];
  while (events.length < count) {
    const message = await client.next(15_000);
    if (isSync(message)) events.push(message);
  }
  return events;
}

describe('batched WebSocket frames (?batch=1)', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A group-commit window wide enough that a burst of concurrent writes shares one batch.
    server = await startTestServer({ WRITE_BATCH_WINDOW_MS: '200' });
  });
  afterAll(() => server.close());

  const open = (user: TestUser, query: string) =>
    openWs(`${server.wsUrl}/ws${query}`, { headers: user.headers, expectAuth: true });

  /** Creates BURST notes, then updates them all at once over REST: one group commit. */
  async function burstOfUpdates(user: TestUser): Promise<void> {
    const api = apiFor(server, user.headers);
    const notes = await Promise.all(
      Array.from({ length: BURST }, (_, i) =>
        server.app.context.data.notes.create({ userId: user.userId }, { title: `n${i}` }),
      ),
    );
    const answers = await Promise.all(
      notes.map((note: Note) => api('PATCH', `/api/notes/${note.id}`, { title: 'burst' })),
    );
    expect(answers.map((a) => a.status)).toEqual(notes.map(() => 200));
  }

  it('delivers a burst of concurrent writes in fewer frames, each seq once and in order', async () => {
    const user = await createTestUser(server);
    const follower = await open(user, '?batch=1');
    await burstOfUpdates(user);
    const events = await syncEvents(follower, 2 * BURST);
    const seqs = events.map((e) => e.seq as number);
    expect(seqs).toEqual(Array.from({ length: 2 * BURST }, (_, i) => i + 1));

    const frames = follower.frames;
    expect(frames.flatMap(messagesIn).filter(isSync)).toEqual(events);
    const updateFrames = frames.filter((frame) =>
      messagesIn(frame).some((m) => m.type === 'note_sync'),
    );
    expect(updateFrames.length).toBeLessThan(BURST);
    follower.close();
  });

  it('without the opt-in, every frame is one message object', async () => {
    const user = await createTestUser(server);
    const follower = await open(user, '');
    await burstOfUpdates(user);
    await syncEvents(follower, 2 * BURST);
    expect(follower.frames.length).toBe(follower.received.length);
    // Events go out as bytes encoded once for all recipients: still text frames.
    expect(follower.binaryFrames).toBe(0);
    for (const frame of follower.frames) {
      expect(Array.isArray(frame)).toBe(false);
      messagesIn(frame);
    }
    follower.close();
  });

  it('answers auth and join_note sent together in one frame', async () => {
    const user = await createTestUser(server);
    const note = await server.app.context.data.notes.create({ userId: user.userId }, {});
    const client = await openWs(`${server.wsUrl}/ws?batch=1`, { expectAuth: false });
    client.send({ type: 'auth', token: user.accessToken });
    client.send({ type: 'join_note', noteId: note.id });
    expect((await client.take(2)).map((message) => message.type)).toEqual([
      'auth_success',
      'note_joined',
    ]);
    // The greeting, then both replies: auth_success waited while join_note was queued.
    expect(client.frames).toHaveLength(2);
    client.close();
  });

  it('splits a replay page into frames under the cap, then says resumed after all of them', async () => {
    const user = await createTestUser(server);
    // Enough small events that one page of 500 passes the frame cap.
    const count = 600;
    await commitTestChanges(server, user.userId, count);
    const client = await open(user, '?since=0&batch=1');
    const replay = await syncEvents(client, count);
    expect(replay.map((e) => e.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    expect(await client.next()).toEqual({ type: 'resumed', seq: count });

    const frames = client.frames.slice(2); // after connection_established and auth_success
    expect(frames.flatMap(messagesIn).at(-1)).toEqual({ type: 'resumed', seq: count });
    // The replay is larger than one frame may be, so it had to be split, and it was, under the cap.
    const chars = frames.reduce<number>((sum, frame) => sum + JSON.stringify(frame).length, 0);
    expect(chars).toBeGreaterThan(MAX_BATCH_FRAME_CHARS);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.length).toBeLessThan(count / 10);
    for (const frame of frames) {
      expect(JSON.stringify(frame).length).toBeLessThanOrEqual(MAX_BATCH_FRAME_CHARS);
    }
    client.close();
  });

  it('refuses any other value of batch with HTTP 400', async () => {
    const user = await createTestUser(server);
    for (const value of ['2', '0', '', 'true', '01']) {
      const refused = await openWs(`${server.wsUrl}/ws?batch=${value}`, {
        headers: user.headers,
      }).catch((error: unknown) => error);
      expect(refused, value).toBeInstanceOf(UpgradeRefused);
      expect((refused as UpgradeRefused).status).toBe(400);
    }
  });

  it('sends auth_failed before the close frame', async () => {
    const client = await openWs(`${server.wsUrl}/ws?batch=1`, {
      headers: { authorization: 'Bearer nonsense' },
    });
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth-failed' });
    expect(client.received.map((m) => m.type)).toEqual(['connection_established', 'auth_failed']);
    expect(client.received[1]).toMatchObject({ code: 'TOKEN_INVALID' });
  });

  it('keeps the replies of a batched writer and the events of a batched follower in order', async () => {
    const user = await createTestUser(server);
    const note = await server.app.context.data.notes.create(
      { userId: user.userId },
      { title: 'n' },
    );
    const writer = await open(user, '?batch=1');
    const follower = await open(user, '?batch=1');
    for (let i = 0; i < 5; i++) {
      writer.send({
        type: 'note_update',
        noteId: note.id,
        changes: { title: `t${i}` },
        clientMsgId: `w${i}`,
      });
    }
    const replies = await writer.take(5);
    expect(replies.map((r) => [r.type, r.clientMsgId, r.seq])).toEqual(
      [1, 2, 3, 4, 5].map((seq, i) => ['note_update_success', `w${i}`, seq + 1]),
    );
    const seen = await syncEvents(follower, 5);
    expect(seen.map((e) => [e.seq, (e.changes as { title: string }).title])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [i + 2, `t${i}`]),
    );
    writer.close();
    follower.close();
  });
});
