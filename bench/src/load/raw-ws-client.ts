import WebSocket from 'ws';
import { type OpenConnection, withTimeout } from './bench-client';

const OPEN_TIMEOUT_MS = 30_000;

/** The raw ws target takes the room from the URL: opening the socket is joining. */
export const openRawWs: OpenConnection = async (baseUrl, spec, events) => {
  const url = `${baseUrl.replace(/^http/, 'ws')}/?room=${spec.room}`;
  const socket = new WebSocket(url, { perMessageDeflate: false });
  let closing = false;
  socket.on('message', (data) => events.onBody(data.toString()));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    }),
    OPEN_TIMEOUT_MS,
    'raw ws open',
  );
  socket.on('error', () => undefined);
  socket.on('close', () => {
    if (!closing) events.onLost();
  });
  return {
    publish: (body) => socket.send(body),
    close: () => {
      closing = true;
      return closeWebSocket(socket);
    },
  };
};

/** Closes and resolves when the close handshake ended (or after a second, by force). */
export function closeWebSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), 1_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.close();
  });
}
