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
