import type { SyncEvent } from '@tidings/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestServer, type TestServer } from '../../server/test/helpers/test-server';
import { createClientCore } from '../src/client';
import { createTidingsClient, type TidingsClient, type WebSocketConstructor } from '../src/index';
import { manualOnlineSignal } from '../src/realtime/online-signal';
import { RealtimeClient } from '../src/realtime/realtime-client';
import { sseTransport } from '../src/realtime/sse-transport';
import type { TransportFactory } from '../src/realtime/transport';
import { webSocketTransport } from '../src/realtime/websocket-transport';
import { backoffAtLeastHalf } from '../src/backoff';
import { DEFAULT_WEBSOCKET_RETRY } from '../src/realtime/websocket-retry';

describe('the WebSocket retry while on SSE', () => {
  it('waits well over half a minute by default', () => {
    expect(backoffAtLeastHalf(0, DEFAULT_WEBSOCKET_RETRY, () => 0)).toBeGreaterThanOrEqual(20_000);
  });
});

/**
 * A client that fell back to SSE because WebSocket was blocked goes back to WebSocket once it
 * gets through, against the real server, while changes keep coming: none lost, none doubled.
 */
describe('back from SSE to WebSocket, against the real server', () => {
  let server: TestServer;
  let writer: TidingsClient;
  const email = `retry-${Date.now()}@example.com`;
  const password = 'correct horse battery';

  beforeAll(async () => {
    server = await startTestServer();
    writer = createTidingsClient({ baseUrl: server.url, credentials: 'token' });
    await writer.register({ email, password });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('retries WebSocket while on SSE and switches back, resuming by seq', async () => {
    const core = createClientCore({ baseUrl: server.url, credentials: 'token' });
    await core.session.login({ email, password });
    let blocked = true;
    let blockedTries = 0;
    const realWebSocket = webSocketTransport({
      WebSocket: WebSocket as unknown as WebSocketConstructor,
      signMessages: false,
      heartbeatMs: 25_000,
    });
    // A proxy that refuses upgrades until it is fixed.
    const websocket: TransportFactory = (params, handlers) => {
      if (!blocked) return realWebSocket(params, handlers);
      blockedTries += 1;
      setTimeout(() => handlers.closed({ end: 'closed', wasReady: false }), 0);
      return {
        kind: 'websocket',
        send: () => false,
        reauthenticate: () => undefined,
        close: () => undefined,
      };
    };
    const live = new RealtimeClient(
      core,
      { websocket, sse: sseTransport({ fetch: core.http.fetch, withCredentials: false }) },
      {
        onlineSignal: manualOnlineSignal(true),
        backoff: { minDelayMs: 10, maxDelayMs: 50 },
        webSocketRetry: { minDelayMs: 100, maxDelayMs: 200 },
      },
    );
    const events: SyncEvent[] = [];
    const transports: string[] = [];
    live.on('event', (event) => events.push(event));
    live.on('ready', ({ transport }) => transports.push(transport));
    live.connect();
    try {
      // Ready, not just started: a fresh stream begins at the server's head, so a change made
      // before the server took the stream in is not the stream's to deliver (REST has it).
      await expect.poll(() => transports, { timeout: 10_000 }).toContain('sse');
      expect(live.transportInUse).toBe('sse');
      await writer.notes.create({ title: 'over SSE' });
      await expect.poll(() => events.length, { timeout: 10_000 }).toBe(1);
      // Still blocked: the tries go on, SSE stays.
      const triesAtFallback = blockedTries;
      await expect
        .poll(() => blockedTries, { timeout: 10_000 })
        .toBeGreaterThanOrEqual(triesAtFallback + 2);
      expect(live.transportInUse).toBe('sse');

      // Changes keep coming while the proxy is fixed and the client switches.
      let writing = true;
      let written = 1;
      const writes = (async () => {
        while (writing || written < 12) {
          await writer.notes.create({ title: `change ${written}` });
          written += 1;
        }
      })();
      blocked = false;
      await expect.poll(() => live.transportInUse, { timeout: 10_000 }).toBe('websocket');
      writing = false;
      await writes;
      await expect.poll(() => events.length, { timeout: 10_000 }).toBe(written);
      const seqs = events.map((event) => event.seq);
      expect(seqs).toEqual(seqs.map((_, index) => seqs[0]! + index));
      expect(transports.at(-1)).toBe('websocket');
      expect(transports.filter((t) => t === 'websocket')).toHaveLength(1);
    } finally {
      live.disconnect();
    }
  });
});
