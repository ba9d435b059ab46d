import { describe, expect, it } from 'vitest';
import { createClientCore } from '../src/client';
import { memorySessionStore } from '../src/index';
import { ConnectionState } from '../src/realtime/connection-state';
import { manualOnlineSignal } from '../src/realtime/online-signal';
import { RealtimeClient } from '../src/realtime/realtime-client';
import type { TransportEnd, TransportFactory } from '../src/realtime/transport';
import { fakeApi, type Route, TEST_USER } from './helpers/fake-api';

/** A WebSocket that never gets through (refused, or blocked by a proxy), or ends as `end`. */
function failingWebSocket(
  onAttempt: (count: number) => void,
  end: TransportEnd = 'closed',
): TransportFactory {
  let attempts = 0;
  return (_params, handlers) => {
    attempts += 1;
    onAttempt(attempts);
    setTimeout(() => handlers.closed({ end, wasReady: false }), 0);
    return {
      kind: 'websocket',
      send: () => false,
      reauthenticate: () => undefined,
      close: () => undefined,
    };
  };
}

function workingSse(onOpen: () => void): TransportFactory {
  return (_params, handlers) => {
    onOpen();
    setTimeout(() => handlers.signal({ kind: 'ready', seq: 0 }), 0);
    return {
      kind: 'sse',
      send: () => false,
      reauthenticate: () => undefined,
      close: () => undefined,
    };
  };
}

function realtimeWith(
  websocket: TransportFactory,
  sse: TransportFactory,
  reachable: boolean | (() => boolean) | { healthz: Route },
) {
  // With `healthz`, the fake API answers `GET /healthz` and the SDK's own check decides.
  const viaHealthz = typeof reachable === 'object' ? reachable.healthz : undefined;
  const core = createClientCore({
    baseUrl: 'http://127.0.0.1:9',
    credentials: 'token',
    fetch: fakeApi(viaHealthz).fetch,
    sessionStore: memorySessionStore({
      user: TEST_USER,
      accessToken: 'access-1',
      expiresAt: Date.now() + 60_000,
      refreshToken: 'refresh-1',
    }),
  });
  return new RealtimeClient(
    core,
    { websocket, sse },
    {
      onlineSignal: manualOnlineSignal(true),
      backoff: { minDelayMs: 1, maxDelayMs: 2 },
      serverReachable:
        typeof reachable === 'object'
          ? undefined
          : async () => (typeof reachable === 'function' ? reachable() : reachable),
    },
  );
}

/**
 * Connects with a WebSocket that always ends before ready (as `end`) until its sixth try, or
 * until the client falls back to SSE (after which WebSocket is not retried at once); returns how
 * many SSE streams were opened.
 */
async function sseOpenedWithinSixTries(
  end: TransportEnd,
  reachable: Parameters<typeof realtimeWith>[2],
): Promise<number> {
  let sseOpened = 0;
  let settle: () => void = () => undefined;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const realtime = realtimeWith(
    failingWebSocket((count) => count === 6 && settle(), end),
    workingSse(() => {
      sseOpened += 1;
      settle();
    }),
    reachable,
  );
  realtime.connect();
  await settled;
  realtime.disconnect();
  return sseOpened;
}

describe('falling back from WebSocket to SSE', () => {
  it('falls back when WebSocket keeps failing while the server answers HTTP', async () => {
    let sseOpened = 0;
    const realtime = realtimeWith(
      failingWebSocket(() => undefined),
      workingSse(() => (sseOpened += 1)),
      true,
    );
    const ready = new Promise((resolve) => realtime.on('ready', resolve));
    realtime.connect();
    expect(await ready).toEqual({ seq: 0, transport: 'sse' });
    expect(sseOpened).toBe(1);
    expect(realtime.state).toBe(ConnectionState.Connected);
    realtime.disconnect();
  });

  it('keeps trying WebSocket while the server is down (a restart is not a blocked WebSocket)', async () => {
    expect(await sseOpenedWithinSixTries('closed', false)).toBe(0);
  });

  it('does not count a 503 on /healthz from a draining server as HTTP getting through', async () => {
    // A restart as the browser sees it: the old server still answers on a kept-alive connection,
    // with 503 SHUTTING_DOWN, while it refuses every upgrade.
    let healthzAsked = 0;
    const healthz: Route = (request) => {
      if (request.path !== '/healthz') return undefined;
      healthzAsked += 1;
      return { status: 503, body: { error: { code: 'SHUTTING_DOWN' } } };
    };
    expect(await sseOpenedWithinSixTries('closed', { healthz })).toBe(0);
    expect(healthzAsked).toBeGreaterThan(0);
  });

  it('does not count a WebSocket the server itself ended (a token it found expired)', async () => {
    // Clocks apart: the server keeps saying token-expired before ready. That WebSocket got
    // through; switching to SSE would not help and would hide the real problem.
    expect(await sseOpenedWithinSixTries('token-expired', true)).toBe(0);
  });

  it('does not fall back when the failures date from before the server came up', async () => {
    // A restart: WebSocket fails while the server is down, the server comes up, WebSocket works.
    let attempts = 0;
    let sseOpened = 0;
    const failing = failingWebSocket(() => undefined);
    const websocket: TransportFactory = (params, handlers) => {
      attempts += 1;
      if (attempts <= 2) return failing(params, handlers);
      setTimeout(() => handlers.signal({ kind: 'ready', seq: 0 }), 0);
      return {
        kind: 'websocket',
        send: () => false,
        reauthenticate: () => undefined,
        close: () => undefined,
      };
    };
    // Down for the first two failures; up by the time the fallback is considered.
    const realtime = realtimeWith(
      websocket,
      workingSse(() => (sseOpened += 1)),
      () => attempts >= 2,
    );
    const ready = new Promise((resolve) => realtime.on('ready', resolve));
    realtime.connect();
    expect(await ready).toEqual({ seq: 0, transport: 'websocket' });
    expect(sseOpened).toBe(0);
    realtime.disconnect();
  });
});
