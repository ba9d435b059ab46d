import type { SyncEvent } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../server/test/helpers/test-server';
import {
  type Conflict,
  ConnectionState,
  createTidingsClient,
  type RealtimeClient,
  type TidingsClient,
  type WebSocketConstructor,
} from '../src/index';

/**
 * The SDK's WebSocket transport against the real gateway, with signatures required: the
 * handshake, signed writes with clientMsgId, conflicts, and resume after a disconnect.
 */
describe('realtime against the real gateway (signed messages required)', () => {
  let server: TestServer;
  let writer: TidingsClient;
  let reader: TidingsClient;
  let live: RealtimeClient;
  const events: SyncEvent[] = [];
  const email = `live-${Date.now()}@example.com`;
  const password = 'correct horse battery';

  beforeAll(async () => {
    server = await startTestServer({ WS_REQUIRE_SIGNED_MESSAGES: 'true' });
    writer = createTidingsClient({ baseUrl: server.url, credentials: 'token' });
    await writer.register({ email, password });
    reader = createTidingsClient({ baseUrl: server.url, credentials: 'token' });
    await reader.login({ email, password });
    live = reader.realtime({
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      transport: 'websocket',
      signMessages: true,
      backoff: { minDelayMs: 10, maxDelayMs: 50 },
    });
    live.on('event', (event) => events.push(event));
    const ready = new Promise((resolve) => live.on('ready', resolve));
    live.connect();
    await ready;
  });
  afterAll(async () => {
    live?.disconnect();
    await server?.close();
  });

  const eventOf = (type: SyncEvent['type']) =>
    expect.poll(() => events.find((event) => event.type === type), { timeout: 10_000 });

  it('receives a change made over REST by another client', async () => {
    const note = await writer.notes.create({ title: 'live' });
    await eventOf('note_created_sync').toMatchObject({ noteData: { id: note.id } });
    expect(live.state).toBe(ConnectionState.Connected);
    expect(live.transportInUse).toBe('websocket');
  });

  it('sends queued edits as signed note_update with clientMsgId, and reports conflicts', async () => {
    const note = await writer.notes.create({ title: 'shared', content: 'v1' });
    const outbox = reader.createOutbox();
    const applied = new Promise((resolve) => outbox.on('applied', resolve));
    await outbox.enqueue(note.id, { content: 'from the socket' }, note.version);
    await outbox.flush();
    await applied;
    expect((await writer.notes.get(note.id)).content).toBe('from the socket');

    const conflict = new Promise<Conflict>((resolve) => outbox.on('conflict', resolve));
    await outbox.enqueue(note.id, { content: 'stale' }, note.version);
    await outbox.flush();
    expect(await conflict).toMatchObject({
      noteId: note.id,
      local: { content: 'stale' },
      server: { content: 'from the socket' },
    });
  });

  it('resumes after a disconnect with what it missed, each event once', async () => {
    const before = live.lastSeq ?? 0;
    live.disconnect();
    const missed = await writer.notes.create({ title: 'while away' });
    const ready = new Promise((resolve) => live.on('ready', resolve));
    live.connect();
    await ready;
    await expect
      .poll(() => events.some((e) => e.type === 'note_created_sync' && e.noteData.id === missed.id))
      .toBe(true);
    const seqs = events.map((event) => event.seq).filter((seq) => seq > before);
    expect(new Set(seqs).size).toBe(seqs.length);
  });
});
