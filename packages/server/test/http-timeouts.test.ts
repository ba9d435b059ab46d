import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openAuthed } from './helpers/ws-client';

/**
 * Resolves with how long after `start` the server closed `socket`, or -1 after five seconds: the
 * test fails rather than hangs. Reads what the server sends, so the close can come through.
 */
function closedAfter(socket: net.Socket, start: number): Promise<number> {
  socket.resume();
  return Promise.race([
    new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now() - start))),
    new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5_000)),
  ]);
}

/** Opens a raw TCP connection to the server and resolves once it is established. */
function connectRaw(server: TestServer): Promise<net.Socket> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.on('error', reject);
  });
}

describe('HTTP timeouts, shortened by configuration', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      HTTP_HEADERS_TIMEOUT_MS: '300',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '300',
    });
  });
  afterAll(() => server.close());

  it('closes a connection that never finishes its headers (a slow-header client)', async () => {
    const socket = await connectRaw(server);
    const closed = closedAfter(socket, performance.now());
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
    const after = await closed;
    expect(after).toBeGreaterThan(0);
  });

  it('closes an idle keep-alive connection after its timeout', async () => {
    const socket = await connectRaw(server);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    const after = await closedAfter(socket, performance.now());
    expect(answer).toMatch(/^HTTP\/1\.1 200/);
    expect(after).toBeGreaterThan(0);
  });

  it('leaves WebSockets and event streams alone: they are not waiting for headers', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    // An event stream over a raw connection, so nothing but the server can end it.
    const stream = await connectRaw(server);
    let received = '';
    let ended = false;
    stream.on('data', (chunk: Buffer) => (received += chunk.toString()));
    stream.on('close', () => (ended = true));
    stream.write(
      `GET /api/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.accessToken}\r\n\r\n`,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    client.send({ type: 'ping' });
    expect((await client.nextOfType('pong')).type).toBe('pong');
    expect(received).toMatch(/^HTTP\/1\.1 200/);
    expect(ended).toBe(false);
    stream.destroy();
    client.close();
  });
});
