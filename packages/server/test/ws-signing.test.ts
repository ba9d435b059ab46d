import type { Note } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signMessage } from '../src/ws/message-signing';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openAuthed, type WsClient } from './helpers/ws-client';

describe('signed WebSocket messages (WS_REQUIRE_SIGNED_MESSAGES=true)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ WS_REQUIRE_SIGNED_MESSAGES: 'true' });
  });
  afterAll(() => server.close());

  async function connected(): Promise<{ client: WsClient; secret: string; note: Note }> {
    const user = await createTestUser(server);
    const note = await server.app.context.data.notes.create(
      { userId: user.userId },
      { title: 'Signed' },
    );
    const client = await openAuthed(server.wsUrl, user.accessToken);
    return { client, secret: client.received[1]?.sessionSecret as string, note };
  }

  async function answer(client: WsClient, message: object) {
    client.send(message);
    return client.next();
  }

  it('refuses unsigned data messages with SIGNATURE_REQUIRED but answers an unsigned ping', async () => {
    const { client, note } = await connected();
    expect(
      await answer(client, {
        type: 'note_update',
        noteId: note.id,
        changes: { title: 'unsigned' },
        clientMsgId: 'u1',
      }),
    ).toMatchObject({ type: 'error', code: 'SIGNATURE_REQUIRED', clientMsgId: 'u1' });
    expect((await answer(client, { type: 'ping' })).type).toBe('pong');
    client.close();
  });

  it('applies a correctly signed message', async () => {
    const { client, secret, note } = await connected();
    const payload = { type: 'note_update', noteId: note.id, changes: { title: 'signed edit' } };
    expect(await answer(client, signMessage(secret, payload))).toMatchObject({
      type: 'note_update_success',
      updatedNote: { title: 'signed edit' },
    });
    client.close();
  });

  it('refuses a replayed nonce, a tampered payload, a stale timestamp and a foreign secret', async () => {
    const { client, secret, note } = await connected();
    const payload = { type: 'note_update', noteId: note.id, changes: { title: 'once' } };
    const envelope = signMessage(secret, payload);
    expect((await answer(client, envelope)).type).toBe('note_update_success');
    expect(await answer(client, envelope)).toMatchObject({ code: 'REPLAYED_NONCE' });

    const tampered = signMessage(secret, payload);
    tampered.payload = { ...payload, changes: { title: 'tampered' } };
    expect(await answer(client, tampered)).toMatchObject({ code: 'INVALID_SIGNATURE' });

    const stale = signMessage(secret, payload, Date.now() - 10 * 60_000);
    expect(await answer(client, stale)).toMatchObject({ code: 'STALE_MESSAGE' });

    const other = await connected();
    const foreign = signMessage(other.secret, payload);
    expect(await answer(client, foreign)).toMatchObject({ code: 'INVALID_SIGNATURE' });
    other.client.close();

    expect((await server.app.context.data.notes.get(userOf(client), note.id)).title).toBe('once');
    client.close();
  });

  it('validates the signed payload like any message', async () => {
    const { client, secret, note } = await connected();
    const payload = { type: 'note_update', noteId: note.id, changes: { version: 99 } };
    expect(await answer(client, signMessage(secret, payload))).toMatchObject({
      type: 'error',
      code: 'VALIDATION_FAILED',
    });
    client.close();
  });
});

function userOf(client: WsClient): string {
  return client.received[1]?.userId as string;
}
