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

  private async run(): Promise<void> {
    let attempt = this.firstChoice;
    while (!this.stopped) {
      const candidates = this.wsUrls();
      const url = candidates[attempt++ % candidates.length];
      try {
        this.catchingUp = true;
        // Resume in the handshake: the replay comes before any live event.
        this.socket = await openWs(`${url}/ws?since=${this.lastSeq}`, {
          headers: { authorization: `Bearer ${this.token}` },
          expectAuth: true,
        });
        for (;;) {
          const message = await this.socket.next(3_600_000);
          const seq = typeof message.seq === 'number' && message.type.endsWith('_sync');
          this.apply(message.type, seq ? (message.seq as number) : undefined, message);
        }
      } catch {
        // Closed, refused or gone: try the next instance.
      }
      if (this.socket) this.closeCodes.push((await this.socket.closed).code);
      this.socket = null;
      if (this.stopped) break;
      this.counts.reconnects++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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
