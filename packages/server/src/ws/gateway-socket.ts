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

  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const listener = this.listener;
    if (listener !== null) {
      switch (event) {
        case 'message':
          listener.received(args[0] as RawData, args[1] as boolean);
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
