import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

export interface GatewayMessage {
  type: string;
  [field: string]: unknown;
}

/**
 * A small in-process stand-in for `GET /ws`, for the timing-sensitive paths (resume, in-band
 * re-auth, revocation, signatures) where the real gateway's lifetimes would make tests slow.
 * It speaks the protocol's handshake: connection_established, auth -> auth_success {userId,
 * expiresAt, sessionSecret, seq}, resume {since} -> replay then resumed, or resync_required.
 * A socket opened with `?batch=1` gets each replay (events and `resumed`) as one array frame.
 */
export async function startFakeGateway(
  options: { validTokens?: Set<string>; prunedBelow?: number } = {},
) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  const log: GatewayMessage[] = [];
  const received: GatewayMessage[] = [];
  const sockets = new Set<WebSocket>();
  /** The upgrade URLs, in connection order. */
  const urls: string[] = [];
  const batched = new WeakSet<WebSocket>();
  const secrets = new Map<WebSocket, string>();
  let connections = 0;
  let noteVersion = 1;
  const waiters: { test: (m: GatewayMessage) => boolean; resolve: (m: GatewayMessage) => void }[] =
    [];

  const send = (socket: WebSocket, message: object) => socket.send(JSON.stringify(message));
  /** Several messages as one frame where the socket opted in, else one frame each. */
  const sendAll = (socket: WebSocket, messages: object[]) => {
    if (batched.has(socket) && messages.length > 1) socket.send(JSON.stringify(messages));
    else for (const message of messages) send(socket, message);
  };
  /** Appends a change of the one note to the log. */
  const recordChange = (title: string): GatewayMessage => {
    const event = {
      type: 'note_sync',
      seq: log.length + 1,
      timestamp: Date.now(),
      fromUserId: 'u1',
      noteId: 'n1',
      changes: { title },
      updatedNote: { id: 'n1', title },
    };
    log.push(event);
    return event;
  };
  /** Everything after `since`, then `resumed`; or `resync_required` below the pruned point. */
  const replay = (socket: WebSocket, since: number) => {
    if (since < (options.prunedBelow ?? 0)) {
      send(socket, { type: 'resync_required', seq: log.length });
      return;
    }
    sendAll(socket, [...log.slice(since), { type: 'resumed', seq: log.length }]);
  };

  server.on('connection', (socket, request) => {
    connections += 1;
    urls.push(request.url ?? '');
    if (new URL(request.url ?? '/', 'http://fake').searchParams.get('batch') === '1') {
      batched.add(socket);
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    send(socket, { type: 'connection_established', message: 'Please authenticate to continue' });
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as GatewayMessage;
      received.push(message);
      for (const waiter of [...waiters]) {
        if (waiter.test(message)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
      const inner = (message.payload as GatewayMessage | undefined) ?? message;
      if (inner.type === 'auth') {
        const token = String(inner.token);
        if (options.validTokens && !options.validTokens.has(token)) {
          send(socket, { type: 'auth_failed', reason: 'token-expired', message: 'expired' });
          socket.close(1008, 'token-expired');
          return;
        }
        if (secrets.has(socket)) {
          send(socket, { type: 'auth_refreshed', expiresAt: Date.now() + 60_000 });
          return;
        }
        const secret = `secret-${connections}`;
        secrets.set(socket, secret);
        send(socket, {
          type: 'auth_success',
          userId: 'u1',
          expiresAt: Date.now() + 60_000,
          sessionSecret: secret,
          seq: log.length,
        });
        // Resuming in the handshake, as the real gateway does.
        if (inner.since !== undefined) replay(socket, Number(inner.since));
      } else if (inner.type === 'resume') {
        replay(socket, Number(inner.since));
      } else if (inner.type === 'note_update') {
        // One note at version `noteVersion`; a stale baseVersion is a conflict.
        if (inner.baseVersion !== noteVersion) {
          send(socket, {
            type: 'error',
            code: 'VERSION_CONFLICT',
            message: 'The note changed since the version you edited.',
            clientMsgId: inner.clientMsgId,
            details: { current: { id: inner.noteId, title: 'theirs', version: noteVersion } },
          });
          return;
        }
        noteVersion += 1;
        send(socket, {
          type: 'note_update_success',
          noteId: inner.noteId,
          clientMsgId: inner.clientMsgId,
          updatedNote: { id: inner.noteId, ...(inner.changes as object), version: noteVersion },
          timestamp: Date.now(),
        });
      } else if (inner.type === 'ping') {
        send(socket, { type: 'pong', timestamp: Date.now() });
      }
    });
  });

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    urls,
    get connections() {
      return connections;
    },
    /** Appends a note change to the log and pushes it to every open socket. */
    publish(title: string): GatewayMessage {
      const event = recordChange(title);
      for (const socket of sockets) send(socket, event);
      return event;
    },
    /** Appends several note changes to the log and sends them in one frame where opted in. */
    publishTogether(titles: string[]): void {
      const events = titles.map(recordChange);
      for (const socket of sockets) sendAll(socket, events);
    },
    /** Sends raw text as one frame to every socket. */
    sendRaw(text: string): void {
      for (const socket of sockets) socket.send(text);
    },
    /** Sends one event to every socket without recording it: a live event out of turn. */
    pushOnly(event: GatewayMessage): void {
      for (const socket of sockets) send(socket, event);
    },
    /** Records a change while no socket is open (it happened while the client was away). */
    record(title: string): void {
      recordChange(title);
    },
    sendToAll(message: object): void {
      for (const socket of sockets) send(socket, message);
    },
    closeAll(code: number, reason: string): void {
      for (const socket of sockets) socket.close(code, reason);
    },
    /** Resolves with the next message the client sends that passes `test`. */
    nextMessage(test: (message: GatewayMessage) => boolean): Promise<GatewayMessage> {
      const seen = received.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    /** Checks a signed envelope the way the server does. */
    verify(envelope: GatewayMessage, secret: string): boolean {
      const expected = createHmac('sha256', secret)
        .update(
          JSON.stringify({
            payload: envelope.payload,
            timestamp: envelope.timestamp,
            nonce: envelope.nonce,
          }),
        )
        .digest('base64');
      return expected === envelope.signature;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.terminate();
        server.close(() => resolve());
      }),
  };
}
