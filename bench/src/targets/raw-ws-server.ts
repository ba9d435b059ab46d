import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { serveRpc } from '../shared/rpc';
import { measureMemory } from './memory';

/**
 * The floor any Node server stands on: a Set of sockets per room (from `?room=`), and each
 * message sent as it came, one frame per message per other socket.
 */
const rooms = new Map<string, Set<WebSocket>>();
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: 0,
  perMessageDeflate: false,
  clientTracking: false,
});

server.on('connection', (socket, request) => {
  const room = new URL(request.url ?? '/', 'http://bench').searchParams.get('room') ?? '';
  let members = rooms.get(room);
  if (!members) {
    members = new Set();
    rooms.set(room, members);
  }
  members.add(socket);
  socket.on('message', (data, isBinary) => {
    for (const peer of members) {
      if (peer !== socket) peer.send(data, { binary: isBinary });
    }
  });
  socket.on('close', () => {
    members.delete(socket);
    if (members.size === 0) rooms.delete(room);
  });
  socket.on('error', () => undefined);
});

server.once('listening', () => {
  serveRpc(
    { memory: measureMemory, stop, connections: () => countConnections() },
    { port: (server.address() as AddressInfo).port },
  );
});

function countConnections(): number {
  let count = 0;
  for (const members of rooms.values()) count += members.size;
  return count;
}

/** Exits from inside, so that a --cpu-prof profile is written. */
function stop(): void {
  server.close();
  setImmediate(() => process.exit(0));
}
