import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser, createTestUserWithNote } from './helpers/test-user';
import { openWs } from './helpers/ws-client';

/**
 * A `join_note` sent right behind `auth` (early-owner-reads.ts): its ownership read runs
 * alongside the session read instead of after it, and checks exactly what it checked before.
 */
describe('join_note sent together with auth', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());
  afterEach(() => vi.restoreAllMocks());

  /** Records, in order, when the session read starts and answers and when owner reads start. */
  function recordReads(): string[] {
    const steps: string[] = [];
    const { sessions, data } = server.app.context;
    const latestSeqIfLive = sessions.latestSeqIfLive.bind(sessions);
    vi.spyOn(sessions, 'latestSeqIfLive').mockImplementation(async (principal) => {
      steps.push('session read');
      const seq = await latestSeqIfLive(principal);
      steps.push('session answered');
      return seq;
    });
    const ownerOf = data.notes.ownerOf;
    vi.spyOn(data.notes, 'ownerOf').mockImplementation((noteId) => {
      steps.push('owner read');
      return ownerOf(noteId);
    });
    return steps;
  }

  async function authAndJoin(token: string, noteId: string) {
    const client = await openWs(`${server.wsUrl}/ws`, { expectAuth: false });
    client.send({ type: 'auth', token });
    client.send({ type: 'join_note', noteId, clientMsgId: 'join' });
    return client;
  }

  it('starts the owner read before the session read answers', async () => {
    const { user, note } = await createTestUserWithNote(server, { title: 'a', content: 'b' });
    const steps = recordReads();
    const client = await authAndJoin(user.accessToken, note.id);
    expect(await client.next()).toMatchObject({ type: 'auth_success', userId: user.userId });
    expect(await client.next()).toMatchObject({ type: 'note_joined', noteId: note.id });
    expect(steps).toEqual(['owner read', 'session read', 'session answered']);
    client.close();
  });

  it("still answers NOT_FOUND for another user's note", async () => {
    const { note } = await createTestUserWithNote(server, { title: 'theirs', content: 'x' });
    const intruder = await createTestUser(server);
    const client = await authAndJoin(intruder.accessToken, note.id);
    expect(await client.next()).toMatchObject({ type: 'auth_success' });
    expect(await client.next()).toMatchObject({
      type: 'error',
      code: 'NOT_FOUND',
      clientMsgId: 'join',
    });
    client.close();
  });

  it('reads nothing for a token that does not verify', async () => {
    const { note } = await createTestUserWithNote(server, { title: 'a', content: 'b' });
    const steps = recordReads();
    const client = await authAndJoin('not-a-token', note.id);
    expect(await client.next()).toMatchObject({ type: 'auth_failed', code: 'TOKEN_INVALID' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth-failed' });
    expect(steps).toEqual([]);
  });

  it('reads nothing early for a join that had its turn before any auth', async () => {
    const { user, note } = await createTestUserWithNote(server, { title: 'a', content: 'b' });
    const steps = recordReads();
    const client = await openWs(`${server.wsUrl}/ws`, { expectAuth: false });
    client.send({ type: 'join_note', noteId: note.id, clientMsgId: 'too-early' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
    client.send({ type: 'auth', token: user.accessToken });
    expect(await client.next()).toMatchObject({ type: 'auth_success' });
    expect(steps).toEqual(['session read', 'session answered']);
    client.close();
  });

  it('reads a join sent later on the same connection in its turn, as before', async () => {
    const { user, note } = await createTestUserWithNote(server, { title: 'a', content: 'b' });
    const client = await openWs(`${server.wsUrl}/ws`, { expectAuth: false });
    client.send({ type: 'auth', token: user.accessToken });
    expect(await client.next()).toMatchObject({ type: 'auth_success' });
    const steps = recordReads();
    client.send({ type: 'join_note', noteId: note.id });
    expect(await client.next()).toMatchObject({ type: 'note_joined', noteId: note.id });
    expect(steps).toEqual([]);
    client.close();
  });
});
