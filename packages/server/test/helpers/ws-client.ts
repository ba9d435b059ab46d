import { messagesOfFrame, type ServerMessage } from '@tidings/protocol';
import WebSocket, { type ClientOptions } from 'ws';

/** A server message as received: the protocol type, loosened so tests can read any field. */
export type Received = ServerMessage & Record<string, unknown>;

export interface WsClient {
  socket: WebSocket;
  /** Resolves with the next message, or fails after timeoutMs (or when the socket closed first). */
  next(timeoutMs?: number): Promise<Received>;
  /** Skips messages until one of `type` arrives; returns it. */
  nextOfType(type: string, timeoutMs?: number): Promise<Received>;
  take(count: number, timeoutMs?: number): Promise<Received[]>;
  send(message: unknown): void;
  /** Every message received so far (including those already taken). */
  received: Received[];
  /** Every frame received so far, parsed: a message, or an array of them (`?batch=1`). */
  frames: unknown[];
  /** Frames that arrived as binary: the protocol sends text only (a browser would get a Blob). */
  readonly binaryFrames: number;
  /** Resolves when the socket closes, with the code and reason the client saw. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export interface OpenOptions extends ClientOptions {
  /** Resolve once `connection_established` (and `auth_success` when expected) have arrived. */
  expectAuth?: boolean;
}

/** Opens a WebSocket as a non-browser client would; `headers.origin` plays a browser. */
export async function openWs(url: string, options: OpenOptions = {}): Promise<WsClient> {
  const { expectAuth, ...clientOptions } = options;
  const socket = new WebSocket(url, clientOptions);
  const queue: Received[] = [];
  const received: Received[] = [];
  const frames: unknown[] = [];
  let wake: (() => void) | null = null;
  let isClosed = false;
  let binaryFrames = 0;
  socket.on('message', (data, isBinary) => {
    if (isBinary) binaryFrames += 1;
    const frame: unknown = JSON.parse(String(data));
    frames.push(frame);
    for (const message of messagesOfFrame(frame) as Received[]) {
      queue.push(message);
      received.push(message);
    }
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      isClosed = true;
      wake?.();
      resolve({ code, reason: reason.toString() });
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_request, response) =>
      reject(new UpgradeRefused(response.statusCode ?? 0)),
    );
  });
  socket.on('error', () => undefined);

  const client: WsClient = {
    socket,
    received,
    frames,
    get binaryFrames() {
      return binaryFrames;
    },
    closed,
    async next(timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (queue.length === 0) {
        if (isClosed) throw new Error('socket closed while waiting for a message');
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error('timed out waiting for a message');
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, remaining);
          wake = () => {
            clearTimeout(timer);
            wake = null;
            resolve();
          };
        });
      }
      return queue.shift() as Received;
    },
    async nextOfType(type, timeoutMs = 5_000) {
      for (;;) {
        const message = await client.next(timeoutMs);
        if (message.type === type) return message;
      }
    },
    async take(count, timeoutMs = 5_000) {
      const taken: Received[] = [];
      while (taken.length < count) taken.push(await client.next(timeoutMs));
      return taken;
    },
    send(message) {
      socket.send(typeof message === 'string' ? message : JSON.stringify(message));
    },
    close() {
      socket.close();
    },
  };
  if (expectAuth !== undefined) {
    expectType(await client.next(), 'connection_established');
    if (expectAuth) expectType(await client.next(), 'auth_success');
  }
  return client;
}

function expectType(message: Received, type: string): void {
  if (message.type !== type) {
    throw new Error(`expected ${type}, got ${JSON.stringify(message)}`);
  }
}

export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`upgrade refused with HTTP ${status}`);
    this.name = 'UpgradeRefused';
  }
}

/** Opens a connection authenticated with the Bearer header; resolves after `auth_success`. */
export function openAuthed(
  wsUrl: string,
  accessToken: string,
  options: ClientOptions = {},
): Promise<WsClient> {
  return openWs(`${wsUrl}/ws`, {
    ...options,
    headers: { authorization: `Bearer ${accessToken}`, ...options.headers },
    expectAuth: true,
  });
}
