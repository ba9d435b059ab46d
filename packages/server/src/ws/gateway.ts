import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  BATCH_QUERY_PARAM,
  ERROR_CODES,
  type ErrorCode,
  parseBatchParam,
  WS_CLOSE,
} from '@tidings/protocol';
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import type { AppContext } from '../app';
import { clientAddressOf } from '../http/client-address';
import { occasionalWarning } from '../observability/occasional-warning';
import { AppliedMessages } from './applied-messages';
import { ConnectionRegistry } from './connection-registry';
import { DeadlineQueue } from './deadline-queue';
import { FrameCoalescer } from './outbound-frames';
import { RateGuard } from './rate-guard';
import { UserFanout } from './user-fanout';
import { GatewayConnection } from './gateway-connection';
import { GatewaySocket } from './gateway-socket';
import { HeartbeatWheel } from './heartbeat-wheel';
import { isOriginAllowed } from './origin-policy';
import { registerWebSocketStatusRoute } from './status-route';
import { UnauthenticatedByAddress } from './unauthenticated-by-address';
import { upgradeCredential } from './upgrade-credentials';

/** The path of the WebSocket endpoint, on the same port as the HTTP API. */
export const WS_PATH = '/ws';
/** How long shutdown waits for clients to answer the close frame before cutting them off. */
const SHUTDOWN_GRACE_MS = 1_000;

export interface Gateway {
  registry: ConnectionRegistry;
  /** Closes every connection with 1001 `server-shutdown` and stops accepting new ones. */
  close(): Promise<void>;
}

/**
 * `GET /ws`: checks the Origin before upgrading, hands each socket to a GatewayConnection, and
 * runs what is shared by all connections (heartbeat, session revocation, bus recovery).
 */
export function registerWebSocketGateway(http: FastifyInstance, context: AppContext): Gateway {
  const { config } = context;
  const log = http.log.child({ component: 'ws-gateway' });
  const registry = new ConnectionRegistry();
  const applied = new AppliedMessages();
  let closing = false;

  const wss = new WebSocketServer({
    noServer: true,
    // Its sockets carry their connection, so their listeners need no closures (gateway-socket.ts).
    WebSocket: GatewaySocket,
    // `ws` refuses a larger frame with 1009 as soon as its header announces the length.
    maxPayload: config.ws.maxMessageBytes,
    // Compression costs memory per connection and opens compression-oracle attacks. Without it
    // `ws` never queues a frame, which GatewaySocket.writeFrame relies on.
    perMessageDeflate: false,
    // Its set of clients costs a closure and a listener array per socket; `openSockets` below
    // does the same through the connection's `socketClosed` hook.
    clientTracking: false,
  });
  /** Every socket until it has closed (a connection's `end` may come before the close handshake). */
  const openSockets = new Set<GatewaySocket>();

  const clientAddress = clientAddressOf(config.trustProxy);
  const unauthenticated = new UnauthenticatedByAddress(config.ws.maxUnauthenticatedPerAddress);
  /** Each connection's unauthenticated slot, until it authenticates or ends. */
  const unauthenticatedSlots = new Map<GatewayConnection, () => void>();
  const releaseSlot = (connection: GatewayConnection) => {
    unauthenticatedSlots.get(connection)?.();
    unauthenticatedSlots.delete(connection);
  };
  const refusedUnauthenticated = occasionalWarning(
    log,
    'websocket upgrades refused: an address holds too many unauthenticated sockets',
  );

  const deadlines = new DeadlineQueue();
  const coalescer = new FrameCoalescer(config.ws.frameCoalesceMs, config.ws.frameCoalesceMinRate);
  const deps = {
    context,
    log,
    applied,
    deadlines,
    coalescer,
    rate: new RateGuard(
      context.limits.wsMessages,
      config.ws.rateLimitMaxMessages,
      config.ws.rateLimitDisconnectAfter,
    ),
    fanout: new UserFanout(context.hub),
    hooks: {
      authenticated: (connection: GatewayConnection) => {
        releaseSlot(connection);
        registry.authenticated(connection);
      },
      ended: (connection: GatewayConnection) => {
        releaseSlot(connection);
        registry.remove(connection);
      },
      socketClosed: (socket: GatewaySocket) => openSockets.delete(socket),
    },
  };

  function onUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== WS_PATH) {
      refuseUpgrade(socket, 404, 'Not Found', 'NOT_FOUND');
      return;
    }
    if (closing) {
      refuseUpgrade(socket, 503, 'Service Unavailable', 'SHUTTING_DOWN');
      return;
    }
    const since = parseSince(url.searchParams.get('since'));
    const batchFrames = parseBatchParam(url.searchParams.get(BATCH_QUERY_PARAM));
    if (since === null || batchFrames === null) {
      refuseUpgrade(socket, 400, 'Bad Request', 'VALIDATION_FAILED');
      return;
    }
    const origin = request.headers.origin;
    if (!isOriginAllowed(origin, config.corsOrigins)) {
      // The origin is not a secret; the URL may hold a token and is never logged.
      log.warn({ origin, path: WS_PATH }, 'websocket upgrade refused: origin not allowed');
      refuseUpgrade(socket, 403, 'Forbidden', 'ORIGIN_FORBIDDEN');
      return;
    }
    const releaseUnauthenticated = unauthenticated.take(clientAddress(request));
    if (!releaseUnauthenticated) {
      refusedUnauthenticated({ max: config.ws.maxUnauthenticatedPerAddress });
      refuseUpgrade(socket, 429, 'Too Many Requests', 'TOO_MANY_CONNECTIONS');
      return;
    }
    let handedOver = false;
    const onWebSocket = (ws: GatewaySocket): void => {
      handedOver = true;
      openSockets.add(ws);
      const credential = upgradeCredential(request, url, config, (header) =>
        http.parseCookie(header),
      );
      const connection = new GatewayConnection(ws, deps, { batchFrames });
      unauthenticatedSlots.set(connection, releaseUnauthenticated);
      if (credential?.source === 'query') {
        log.warn(
          { connectionId: connection.id, path: WS_PATH, token: '[REDACTED]' },
          'access token passed in the websocket URL; prefer the Authorization header, the cookie or an auth message',
        );
      }
      registry.add(connection);
      connection.start(credential, since);
    };
    // The upgrade response and the greeting leave in one write: a write system call is a good
    // part of what a connect costs (the connect bench). `ws` completes the upgrade, and so calls
    // back, synchronously; a refused handshake ends the socket, which uncorks it as well.
    socket.cork();
    try {
      wss.handleUpgrade(request, socket, head, onWebSocket);
    } finally {
      socket.uncork();
      // A handshake `ws` refused never became a connection.
      if (!handedOver) releaseUnauthenticated();
    }
  }
  http.server.on('upgrade', onUpgrade);
  registerWebSocketStatusRoute(http, config, registry, context.census);
  const heartbeats = new HeartbeatWheel(registry, config.ws.heartbeatIntervalMs);

  const stopWatching = [
    context.hub.onSessionRevoked((userId, sessionId) => {
      for (const connection of registry.ofUser(userId)) {
        if (connection.principal?.sessionId === sessionId) connection.revoke();
      }
    }),
    // Other instances' events published while the bus was down never arrived: read the log.
    context.hub.onBusRecovered(() => {
      for (const connection of registry.all()) connection.catchUp();
    }),
  ];

  return {
    registry,
    async close() {
      closing = true;
      heartbeats.stop();
      deadlines.stop();
      coalescer.stop();
      for (const stop of stopWatching) stop();
      http.server.off('upgrade', onUpgrade);
      const sockets = [...openSockets];
      for (const connection of registry.all()) connection.close('SERVER_SHUTDOWN');
      for (const ws of sockets) {
        if (ws.readyState === ws.OPEN) {
          ws.close(WS_CLOSE.SERVER_SHUTDOWN.code, WS_CLOSE.SERVER_SHUTDOWN.reason);
        }
      }
      // Wait for the close handshakes (or cut the stragglers off), so http.close() can finish.
      await Promise.all(
        sockets.map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              const timer = setTimeout(() => ws.terminate(), SHUTDOWN_GRACE_MS);
              ws.once('close', () => {
                clearTimeout(timer);
                resolve();
              });
            }),
        ),
      );
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Answers a refused upgrade with a plain HTTP response and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, text: string, code: ErrorCode): void {
  const body = JSON.stringify({ error: { code, message: ERROR_CODES[code].message } });
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body,
  );
}

/** `?since=<seq>`: undefined when absent, null when it is not a non-negative integer. */
function parseSince(value: string | null): number | undefined | null {
  if (value === null) return undefined;
  return /^\d{1,15}$/.test(value) ? Number(value) : null;
}
