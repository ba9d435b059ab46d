import type { Server } from 'node:net';
import type { Logger } from 'pino';

/** At most one warning per this long while connections are being refused. */
const WARNING_INTERVAL_MS = 60_000;

/**
 * Accepts at most `cap` connections at once (HTTP, SSE and WebSocket alike); Node closes any
 * past it as soon as it is accepted, so the client learns at once instead of waiting on a full
 * backlog, and the files the cap leaves stay the database's. Refusals are logged, one warning a
 * minute at most with how many there were, since a refused connection leaves no other trace.
 */
export function capConnections(server: Server, cap: number, log: Logger): void {
  server.maxConnections = cap;
  let refused = 0;
  let lastWarningAt = -Infinity;
  server.on('drop', () => {
    refused += 1;
    const now = performance.now();
    if (now - lastWarningAt < WARNING_INTERVAL_MS) return;
    lastWarningAt = now;
    log.warn(
      { connectionCap: cap, refused },
      'connections refused: the server holds as many as its open-file limit leaves room for',
    );
  });
}
