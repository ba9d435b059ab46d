import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { serveRpc } from '../shared/rpc';
import { measureMemory } from './memory';

/** Socket.IO 4 as its documentation shows rooms: `join`, then `socket.to(room).emit`. */
const httpServer = createServer();
const io = new Server(httpServer, {
  transports: ['websocket'],
  perMessageDeflate: false,
  serveClient: false,
});

io.on('connection', (socket) => {
  let room = '';
  socket.on('join', (joined: unknown, ack?: () => void) => {
    room = String(joined);
    void socket.join(room);
    ack?.();
  });
  socket.on('m', (body: string) => {
    if (room) socket.to(room).emit('m', body);
  });
});

httpServer.listen(0, '127.0.0.1', () => {
  serveRpc(
    { memory: measureMemory, stop, connections: () => io.engine.clientsCount },
    { port: (httpServer.address() as AddressInfo).port },
  );
});

/** Exits from inside, so that a --cpu-prof profile is written. */
function stop(): void {
  io.close();
  setImmediate(() => process.exit(0));
}
