import type { Duplex } from 'node:stream';
import { type RawData, WebSocket } from 'ws';

/** What a gateway socket's events go to (its GatewayConnection). */
export interface SocketListener {
  received(data: RawData, isBinary: boolean): void;
  /** A pong: the peer is alive. */
  ponged(): void;
  socketClosed(): void;
  socketFailed(error: Error): void;
}

/**
 * The `ws` WebSocket (made by the WebSocketServer through its `WebSocket` option) that hands its
 * own events to one listener object. `ws` raises every event through `emit`, so the override
 * below delivers them without registering any listener: four listeners would cost four closures,
 * their context and a hash table of event names per socket, several hundred bytes for each of
 * tens of thousands of idle connections. Listeners added with `on`/`once` (shutdown waits for
 * `close` with one) still get the events after the listener object.
 */
export class GatewaySocket extends WebSocket {
  private listener: SocketListener | null = null;

  listen(listener: SocketListener): void {
    this.listener = listener;
  }

  /**
   * Writes a complete frame made by `textFrame` (wire-frame.ts) straight to the TCP socket: one
   * frame's bytes serve every socket it fans out to, and go out in one write. Order with what
   * `ws` itself sends (ping, pong, close) holds because `ws` writes each of its frames synchronously
   * and never queues one: it would only with permessage-deflate (off, gateway.ts) or a Blob
   * (never sent). What waits in the socket counts in `bufferedAmount` as `ws`' own writes do.
   * Only while OPEN: after a close frame nothing may follow.
   */
  writeFrame(frame: Buffer): void {
    if (this.readyState !== WebSocket.OPEN) return;
    (this as unknown as { _socket: Duplex })._socket.write(frame);
  }

  /**
   * `ws`' Receiver queues each chunk read from the socket in an array and shifts it out once
   * parsed. After the first message the array is empty but keeps the backing store it grew (17
   * slots, 152 bytes) for as long as the socket lives, and most sockets go quiet after their
   * first messages (`auth`, `join_note`). An empty array in its place holds none. Only when
   * empty: a chunk still there is the start of the next message.
   */
  private releaseReadChunks(): void {
    const receiver = (this as unknown as { _receiver?: { _buffers?: unknown } })._receiver;
    const chunks = receiver?._buffers;
    if (receiver && Array.isArray(chunks) && chunks.length === 0) receiver._buffers = [];
  }

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const listener = this.listener;
    if (listener !== null) {
      switch (event) {
        case 'message':
          listener.received(args[0] as RawData, args[1] as boolean);
          this.releaseReadChunks();
          break;
        case 'pong':
          listener.ponged();
          break;
        case 'close':
          listener.socketClosed();
          break;
        case 'error':
          listener.socketFailed(args[0] as Error);
          // Handled: EventEmitter would throw an 'error' that no `on` listener takes.
          if (this.listenerCount('error') === 0) return true;
          break;
      }
    }
    return super.emit(event, ...args);
  }
}
