import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';

export interface RedisGuardOptions {
  url: string;
  commandTimeoutMs: number;
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>;
  /** Told each time the connection is (re)established, e.g. to re-announce state. */
  onReady?: () => void;
}

/**
 * One Redis connection for the limits, used through `run(remote, local)`: the remote operation
 * when Redis answers, the in-process one when it does not. Nothing waits on a dead Redis: there
 * is no offline queue, every command has a timeout, and after a failure Redis is left alone for
 * a short pause (twice the command timeout) so a hung server costs one timeout, not one per
 * call; then a PING finds out whether it answers again. Status is 'degraded' from the first
 * failure until a command succeeds (or the connection is re-established).
 */
export class RedisGuard {
  readonly client: Redis;
  private readonly log: RedisGuardOptions['log'];
  private readonly pauseMs: number;
  private readonly commandTimeoutMs: number;
  private firstAttempt: Promise<void>;
  private failing = false;
  private pausedUntil = 0;
  private probe: NodeJS.Timeout | undefined;
  private degradedLogged = false;

  constructor(options: RedisGuardOptions) {
    this.log = options.log;
    this.commandTimeoutMs = options.commandTimeoutMs;
    this.pauseMs = options.commandTimeoutMs * 2;
    this.client = new Redis(options.url, {
      enableOfflineQueue: false,
      commandTimeout: options.commandTimeoutMs,
      maxRetriesPerRequest: 1,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    });
    // Calls made while the very first connection is still being set up wait for it (bounded),
    // so a freshly started instance does not count locally for its first milliseconds.
    this.firstAttempt = new Promise((resolve) => {
      this.client.once('ready', () => resolve());
      this.client.once('error', () => resolve());
      this.client.once('end', () => resolve());
    });
    this.client.on('error', (error: unknown) => this.logDegraded(error));
    this.client.on('ready', () => {
      this.recovered();
      options.onReady?.();
    });
  }

  status(): 'ok' | 'degraded' {
    return this.client.status === 'ready' && !this.failing ? 'ok' : 'degraded';
  }

  async run<T>(remote: (client: Redis) => Promise<T>, local: () => T): Promise<T> {
    if (!(await this.usable())) return local();
    try {
      const result = await remote(this.client);
      if (this.failing) this.recovered();
      return result;
    } catch (error) {
      this.failed(error);
      return local();
    }
  }

  async close(): Promise<void> {
    clearTimeout(this.probe);
    this.client.disconnect();
  }

  private async usable(): Promise<boolean> {
    if (this.client.status === 'ready') return Date.now() >= this.pausedUntil;
    if (this.client.status === 'connecting' || this.client.status === 'connect') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.firstAttempt,
        new Promise((resolve) => (timer = setTimeout(resolve, this.commandTimeoutMs))),
      ]);
      clearTimeout(timer);
      // Only the very first attempt is worth waiting for; later reconnects fall back at once.
      this.firstAttempt = Promise.resolve();
      return (this.client.status as string) === 'ready';
    }
    return false;
  }

  private failed(error: unknown): void {
    this.logDegraded(error);
    this.failing = true;
    this.pausedUntil = Date.now() + this.pauseMs;
    if (this.probe) return;
    this.probe = setTimeout(() => {
      this.probe = undefined;
      // While disconnected, the 'ready' event reports the recovery instead.
      if (this.client.status !== 'ready') return;
      this.client.ping().then(
        () => this.recovered(),
        (probeError: unknown) => this.failed(probeError),
      );
    }, this.pauseMs);
    this.probe.unref();
  }

  private recovered(): void {
    this.failing = false;
    this.pausedUntil = 0;
    if (this.degradedLogged) this.log.info('redis is back; limits are cluster-wide again');
    this.degradedLogged = false;
  }

  private logDegraded(error: unknown): void {
    if (this.degradedLogged) return;
    this.degradedLogged = true;
    this.log.warn({ err: error }, 'redis unavailable; limits fall back to this instance only');
  }
}
