import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

export interface ListenHandlers {
  onNotification(payload: string): void;
  /** Called when the listening connection is lost; notifications from now on are missed. */
  onDisconnect?(): void;
  /** Called after a lost listening connection is back: notifications in between were missed. */
  onReconnect(): void;
  onError?(error: unknown): void;
}

/** Stops listening and releases the dedicated connection. */
export type Unlisten = () => Promise<void>;

/** Backoff between reconnect attempts: 100 ms doubling to 5 s, so a restart is noticed fast. */
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5_000;

export async function listenPglite(
  client: PGlite,
  channel: string,
  handlers: ListenHandlers,
): Promise<Unlisten> {
  // In-process: the connection cannot drop, so onReconnect is never needed.
  const unlisten = await client.listen(channel, handlers.onNotification);
  return unlisten;
}

/**
 * LISTEN on a dedicated connection (a pooled one would lose the subscription when returned),
 * reconnecting with backoff for as long as it is wanted.
 */
export async function listenPostgres(
  url: string,
  channel: string,
  handlers: ListenHandlers,
): Promise<Unlisten> {
  let client: pg.Client | null = null;
  let stopped = false;
  let delay = RECONNECT_MIN_MS;
  let retryTimer: NodeJS.Timeout | null = null;

  async function connect(isReconnect: boolean): Promise<void> {
    const next = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
    next.on('notification', (message) => {
      if (message.channel === channel && message.payload) handlers.onNotification(message.payload);
    });
    next.on('error', (error) => {
      handlers.onError?.(error);
      scheduleReconnect();
    });
    next.on('end', scheduleReconnect);
    await next.connect();
    await next.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    if (stopped) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    delay = RECONNECT_MIN_MS;
    if (isReconnect) handlers.onReconnect();
  }

  function scheduleReconnect(): void {
    if (stopped || retryTimer) return;
    if (client) handlers.onDisconnect?.();
    const lost = client;
    client = null;
    void lost?.end().catch(() => undefined);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect(true).catch((error: unknown) => {
        handlers.onError?.(error);
        delay = Math.min(delay * 2, RECONNECT_MAX_MS);
        scheduleReconnect();
      });
    }, delay);
    retryTimer.unref();
  }

  await connect(false);
  return async () => {
    stopped = true;
    if (retryTimer) clearTimeout(retryTimer);
    await (client as pg.Client | null)?.end().catch(() => undefined);
  };
}
