import type { Socket } from 'node:net';
import { messagesOfFrame } from '@tidings/protocol';
import WebSocket from 'ws';
import { type OpenConnection, withTimeout } from './bench-client';
import { closeWebSocket } from './raw-ws-client';

const OPEN_TIMEOUT_MS = 30_000;
/**
 * Tidings' WebSocket path as the bench clients open it: with batched frames (`/ws?batch=1`, as
 * the SDK does) unless BENCH_TIDINGS_BATCH=0, for an A/B of one frame per message against one
 * frame per tick on the same build.
 */
export const TIDINGS_WS_PATH = process.env.BENCH_TIDINGS_BATCH === '0' ? '/ws' : '/ws?batch=1';

interface ServerMessage {
  type?: string;
  code?: string;
  message?: string;
  changes?: { content?: unknown };
}

/**
 * Tidings over its real protocol (docs/protocol.md): open /ws, `auth` with the access token,
 * `join_note` for the room's note (sent together); then `note_update` out and `note_sync` in. Opted in to batched
 * frames: a frame that is a JSON array is a batch of messages, read one by one.
 */
export const openTidings: OpenConnection = async (baseUrl, spec, events) => {
  if (!spec.token || !spec.noteId) throw new Error('a Tidings connection needs a token and note');
  const noteId = spec.noteId;
  const socket = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}${TIDINGS_WS_PATH}`, {
    perMessageDeflate: false,
  });
  let closing = false;
  let handshake: ((message: ServerMessage) => void) | null = null;

  const handle = (message: ServerMessage) => {
    if (message.type === 'note_sync') {
      const content = message.changes?.content;
      if (typeof content === 'string') events.onBody(content);
      return;
    }
    if (handshake) {
      handshake(message);
      return;
    }
    if (message.type === 'error' || message.type === 'auth_failed') {
      events.onUnexpected(`${message.type} ${message.code ?? ''}: ${message.message ?? ''}`);
    }
  };
  socket.on('message', (data) => {
    for (const message of messagesOfFrame(JSON.parse(data.toString()))) {
      handle(message as ServerMessage);
    }
  });

  /** Sends `messages` at once, then waits for the `wanted` replies in that order. */
  const exchange = (messages: object[], wanted: string[]) =>
    new Promise<void>((resolve, reject) => {
      const waiting = [...wanted];
      handshake = (message) => {
        if (message.type === waiting[0]) {
          waiting.shift();
          if (waiting.length > 0) return;
          handshake = null;
          resolve();
        } else if (message.type === 'error' || message.type === 'auth_failed') {
          handshake = null;
          reject(new Error(`${message.type} ${message.code ?? ''}: ${message.message ?? ''}`));
        }
      };
      // Each message is its own frame, as the protocol wants, but all leave in one TCP write (as
      // any client that sends them in one go may): a write system call costs both sides here.
      const tcp = (socket as unknown as { _socket?: Socket })._socket;
      tcp?.cork();
      for (const message of messages) socket.send(JSON.stringify(message));
      tcp?.uncork();
    });

  await withTimeout(
    (async () => {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
        socket.once('close', (code, reason) =>
          reject(new Error(`closed ${code} ${reason.toString()} during handshake`)),
        );
      });
      // The server handles a connection's messages strictly in order (docs/protocol.md), so the
      // join can follow the auth without waiting for its answer: one round trip, not two.
      await exchange(
        [
          { type: 'auth', token: spec.token },
          { type: 'join_note', noteId },
        ],
        ['auth_success', 'note_joined'],
      );
    })(),
    OPEN_TIMEOUT_MS,
    'Tidings auth and join',
  );
  socket.removeAllListeners('close');
  socket.removeAllListeners('error');
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (!closing) events.onLost();
  });
  return {
    publish: (body) =>
      socket.send(JSON.stringify({ type: 'note_update', noteId, changes: { content: body } })),
    close: () => {
      closing = true;
      return closeWebSocket(socket);
    },
  };
};
