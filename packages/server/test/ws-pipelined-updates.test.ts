import type { Note } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotesService } from '../src/domain/services';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUserWithNote, type TestUser } from './helpers/test-user';
import { openAuthed, type WsClient } from './helpers/ws-client';

describe('WebSocket note updates, pipelined', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  async function joined(user: TestUser, noteId: string): Promise<WsClient> {
    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'join_note', noteId });
    await client.nextOfType('note_joined');
    return client;
  }

  const userWithNote = () => createTestUserWithNote(server, { title: 'Draft', content: '' });

  /** Counts how many updates the services had in hand at once while `run` ran. */
  async function peakUpdatesInFlight(run: () => Promise<void>): Promise<number> {
    const notes = server.app.context.data.notes as NotesService;
    const original = notes.updateWithSeq;
    let inFlight = 0;
    let peak = 0;
    notes.updateWithSeq = (...args) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      return original(...args).finally(() => {
        inFlight -= 1;
      });
    };
    try {
      await run();
    } finally {
      notes.updateWithSeq = original;
    }
    return peak;
  }

  it('takes the next update before the last committed, and answers in order with each own seq', async () => {
    const { user, note } = await userWithNote();
    const writer = await joined(user, note.id);
    const follower = await joined(user, note.id);
    const count = 20;
    const peak = await peakUpdatesInFlight(async () => {
      for (let index = 0; index < count; index += 1) {
        writer.send({
          type: 'note_update',
          noteId: note.id,
          changes: { content: `v${index}` },
          clientMsgId: `m${index}`,
        });
      }
      await writer.take(count);
    });
    const replies = writer.received.filter((message) => message.clientMsgId !== undefined);
    expect(replies.map((reply) => [reply.type, reply.clientMsgId])).toEqual(
      Array.from({ length: count }, (_, index) => ['note_update_success', `m${index}`]),
    );
    const versions = replies.map((reply) => (reply.updatedNote as Note).version);
    const seqs = replies.map((reply) => reply.seq as number);
    expect(versions).toEqual(versions.map((_, index) => (versions[0] as number) + index));
    expect(seqs).toEqual(seqs.map((_, index) => (seqs[0] as number) + index));
    // Each reply's seq is its own change's: the follower sees that seq with that version.
    const events = await follower.take(count);
    const seqOfVersion = new Map(
      events.map((event) => [(event.updatedNote as Note).version, event.seq as number]),
    );
    for (const reply of replies) {
      expect(reply.seq).toBe(seqOfVersion.get((reply.updatedNote as Note).version));
    }
    expect(peak).toBeGreaterThan(1);
    const stored = await server.app.context.data.notes.get(user.userId, note.id);
    expect(stored.content).toBe(`v${count - 1}`);
    writer.close();
    follower.close();
  });

  it('answers what follows the updates after them, errors included, in the order sent', async () => {
    const { user, note } = await userWithNote();
    const writer = await joined(user, note.id);
    writer.send({
      type: 'note_update',
      noteId: note.id,
      changes: { title: 'a' },
      clientMsgId: 'u1',
    });
    writer.send({ type: 'join_note', noteId: 'not-a-uuid', clientMsgId: 'bad' });
    writer.send({
      type: 'note_update',
      noteId: note.id,
      changes: { title: 'b' },
      clientMsgId: 'u2',
    });
    writer.send({ type: 'ping' });
    const answers = await writer.take(4);
    expect(answers.map((answer) => [answer.type, answer.clientMsgId])).toEqual([
      ['note_update_success', 'u1'],
      ['error', 'bad'],
      ['note_update_success', 'u2'],
      ['pong', undefined],
    ]);
    writer.close();
  });

  it('applies a clientMsgId sent again while its first copy is in flight once', async () => {
    const { user, note } = await userWithNote();
    const writer = await joined(user, note.id);
    const update = {
      type: 'note_update',
      noteId: note.id,
      changes: { content: 'once' },
      clientMsgId: 'same',
    };
    writer.send(update);
    writer.send(update);
    const answers = await writer.take(2);
    expect(answers.map((answer) => [answer.type, answer.clientMsgId])).toEqual([
      ['note_update_success', 'same'],
      ['note_update_success', 'same'],
    ]);
    const stored = await server.app.context.data.notes.get(user.userId, note.id);
    expect(stored.version).toBe(note.version + 1);
    writer.close();
  });

  it('fails only the update whose base version is stale', async () => {
    const { user, note } = await userWithNote();
    const writer = await joined(user, note.id);
    const stale = note.version;
    writer.send({
      type: 'note_update',
      noteId: note.id,
      changes: { content: 'first' },
      baseVersion: stale,
      clientMsgId: 'ok',
    });
    writer.send({
      type: 'note_update',
      noteId: note.id,
      changes: { content: 'second' },
      baseVersion: stale,
      clientMsgId: 'late',
    });
    writer.send({
      type: 'note_update',
      noteId: note.id,
      changes: { content: 'third' },
      baseVersion: stale + 1,
      clientMsgId: 'next',
    });
    const answers = await writer.take(3);
    expect(answers.map((answer) => [answer.type, answer.code, answer.clientMsgId])).toEqual([
      ['note_update_success', undefined, 'ok'],
      ['error', 'VERSION_CONFLICT', 'late'],
      ['note_update_success', undefined, 'next'],
    ]);
    const stored = await server.app.context.data.notes.get(user.userId, note.id);
    expect([stored.content, stored.version]).toEqual(['third', stale + 2]);
    writer.close();
  });
});
