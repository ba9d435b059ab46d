import { ChangeFollower } from './event-follower';
import { openWs, type WsClient } from './ws-client';

/**
 * Follows over WebSocket the way the SDK does: every (re)connection authenticates with
 * `?since=<last seq applied>`, so the server replays what was missed before anything live; when
 * the socket closes (an instance drained with 1001 or died) it reconnects to another instance.
 */
export class WsFollower extends ChangeFollower {
  private socket: WsClient | null = null;
  readonly closeCodes: number[] = [];
  private readonly done: Promise<void>;

  constructor(
    private readonly wsUrls: () => string[],
    private readonly token: string,
    /** Which of the urls to try first (spreads followers over instances). */
    private readonly firstChoice = 0,
  ) {
    super();
    this.done = this.run();
  }

  private run(): Promise<void> {
    return this.followAcross(this.wsUrls, this.firstChoice, async (url) => {
      // Resume in the handshake: the replay comes before any live event.
      const socket = await openWs(`${url}/ws?since=${this.lastSeq}`, {
        headers: { authorization: `Bearer ${this.token}` },
        expectAuth: true,
      });
      this.socket = socket;
      try {
        for (;;) {
          const message = await socket.next(3_600_000);
          const seq = typeof message.seq === 'number' && message.type.endsWith('_sync');
          this.apply(message.type, seq ? (message.seq as number) : undefined, message);
        }
      } finally {
        this.closeCodes.push((await socket.closed).code);
        this.socket = null;
      }
    });
  }

  disrupt(): void {
    this.socket?.socket.terminate();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.socket?.close();
    await this.done;
  }
}
