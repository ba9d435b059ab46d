import type { Server } from 'node:net';
import type { Logger } from 'pino';
import { occasionalWarning } from '../observability/occasional-warning';

/**
 * Accepts at most `cap` connections at once (HTTP, SSE and WebSocket alike); Node closes any
 * past it as soon as it is accepted, so the client learns at once instead of waiting on a full
 * backlog, and the files the cap leaves stay the database's. Refusals are logged, one warning a
 * minute at most with how many there were, since a refused connection leaves no other trace.
 */
export function capConnections(server: Server, cap: number, log: Logger): void {
  server.maxConnections = cap;
  const refused = occasionalWarning(
    log,
    'connections refused: the server holds as many as its open-file limit leaves room for',
  );
  server.on('drop', () => refused({ connectionCap: cap }));
}
