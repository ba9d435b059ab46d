import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { GatewaySocket, type SocketListener } from '../../src/ws/gateway-socket';

/** The Receiver's list of chunks read and not yet parsed (a private field of `ws`). */
function readChunksOf(socket: GatewaySocket): unknown {
  return (socket as unknown as { _receiver: { _buffers: unknown } })._receiver._buffers;
}

const servers: WebSocketServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    for (const client of server.clients) client.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server of GatewaySockets and one client connected to it. */
async function connectedPair(listener: SocketListener) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', WebSocket: GatewaySocket });
  servers.push(server);
  await new Promise((resolve) => server.once('listening', resolve));
  const accepted = new Promise<GatewaySocket>((resolve) =>
    server.once('connection', (socket: GatewaySocket) => {
      socket.listen(listener);
      resolve(socket);
    }),
  );
  const { port } = server.address() as AddressInfo;
  const client = new WebSocket(`ws://127.0.0.1:${port}`);
  await new Promise((resolve) => client.once('open', resolve));
  return { client, socket: await accepted };
}

function recordingListener() {
  const messages: string[] = [];
  let onMessage = (): void => undefined;
  const listener: SocketListener = {
    received: (data: RawData) => {
      messages.push(String(data));
      onMessage();
    },
    ponged: () => undefined,
    socketClosed: () => undefined,
    socketFailed: () => undefined,
  };
  const nextMessage = () => new Promise<void>((resolve) => (onMessage = resolve));
  return { listener, messages, nextMessage };
}

describe('GatewaySocket', () => {
  it('hands messages to its listener, in order', async () => {
    const { listener, messages, nextMessage } = recordingListener();
    const { client } = await connectedPair(listener);
    for (const text of ['one', 'two']) {
      const received = nextMessage();
      client.send(text);
      await received;
    }
    expect(messages).toEqual(['one', 'two']);
  });

  it('leaves no grown chunk list behind once a message is read', async () => {
    const { listener, nextMessage } = recordingListener();
    const { client, socket } = await connectedPair(listener);
    // If `ws` renamed the field, the release would silently do nothing: say so here instead.
    const before = readChunksOf(socket);
    expect(Array.isArray(before)).toBe(true);

    const received = nextMessage();
    client.send(JSON.stringify({ type: 'auth', token: 'x'.repeat(300) }));
    await received;

    const after = readChunksOf(socket);
    expect(after).toEqual([]);
    // A fresh array: the one that grew to take the chunk (and keeps its capacity) is gone.
    expect(after).not.toBe(before);
  });

  it('keeps a chunk that is the start of the next message', async () => {
    const { listener, messages } = recordingListener();
    const { client } = await connectedPair(listener);
    // Two frames in one write: the first message is emitted while the second's bytes wait.
    const both = Buffer.concat(
      ['first', 'second'].map((text) => {
        const payload = Buffer.from(text);
        const mask = Buffer.from([1, 2, 3, 4]);
        const masked = payload.map((byte, index) => byte ^ (mask[index % 4] as number));
        return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
      }),
    );
    (client as unknown as { _socket: { write(data: Buffer): void } })._socket.write(both);
    await expect.poll(() => messages).toEqual(['first', 'second']);
  });
});
