import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChange } from '../src/domain/run-change';
import { openSse } from './helpers/sse-client';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';

const EVENTS = 600;
const EVENT_BYTES = 8_192;

describe('SSE catch-up larger than the per-stream buffer limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    // 600 events of 8 KB are about 5 MB; the stream may only hold 64 KB unread.
    server = await startTestServer({ WS_MAX_BUFFERED_BYTES: '65536' });
  });
  afterAll(() => server.close());

  it('paces the replay by the reader instead of ending the stream as if it had stopped reading', async () => {
    const user = await createTestUser(server);
    const filler = 'x'.repeat(EVENT_BYTES);
    await runChange(
      { db: server.store.db, hub: server.app.context.hub },
      user,
      async (_tx, emit) => {
        for (let i = 0; i < EVENTS; i++) {
          emit({ type: 'folder_deleted_sync', folderId: `${i}-${filler}` });
        }
      },
    );
    const stream = await openSse(`${server.url}/api/events`, {
      ...user.headers,
      'last-event-id': '0',
    });
    const frames = await stream.take(EVENTS + 1, 20_000);
    stream.close();
    expect(frames.slice(0, EVENTS).map((frame) => Number(frame.id))).toEqual(
      Array.from({ length: EVENTS }, (_, i) => i + 1),
    );
    expect(frames[EVENTS]).toMatchObject({ event: 'ready', data: { seq: EVENTS } });
  });
});
