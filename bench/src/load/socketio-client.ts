import { io } from 'socket.io-client';
import { type OpenConnection, withTimeout } from './bench-client';

const OPEN_TIMEOUT_MS = 30_000;

/** Socket.IO over the websocket transport only; joining is an acknowledged `join` event. */
export const openSocketIo: OpenConnection = async (baseUrl, spec, events) => {
  const socket = io(baseUrl, {
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    timeout: OPEN_TIMEOUT_MS,
  });
  let closing = false;
  socket.on('m', (body: string) => events.onBody(body));
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', () => socket.emit('join', spec.room, () => resolve()));
      socket.once('connect_error', reject);
    }),
    OPEN_TIMEOUT_MS,
    'Socket.IO connect',
  );
  socket.on('disconnect', () => {
    if (!closing) events.onLost();
  });
  return {
    publish: (body) => {
      socket.emit('m', body);
    },
    close: async () => {
      closing = true;
      socket.disconnect();
    },
  };
};
