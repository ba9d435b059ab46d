import { openAll, round, type WorkloadContext } from './context';

export interface ConnectResult {
  connections: number;
  concurrency: number;
  seconds: number;
  /** Opened, authenticated (Tidings) and joined to a room, per second. */
  perSecond: number;
}

/**
 * Connections per second: open, authenticate (Tidings: `auth` with an access token, checked
 * against its live session) and join a room, `--concurrency` at a time across the workers.
 */
export async function runConnect(context: WorkloadContext): Promise<ConnectResult> {
  const { connect, concurrency, connectionsPerUser } = context.options;
  const perRoom = Math.min(connectionsPerUser, connect);
  const specs = (await context.target.specs(Math.ceil(connect / perRoom), perRoom, false)).slice(
    0,
    connect,
  );
  try {
    const summary = await openAll(context, specs, concurrency);
    const perSecond = summary.seconds > 0 ? Math.round(specs.length / summary.seconds) : 0;
    context.log(`connect ${specs.length}: ${perSecond}/s (${round(summary.seconds)} s)`);
    return {
      connections: specs.length,
      concurrency,
      seconds: round(summary.seconds, 3),
      perSecond,
    };
  } finally {
    await context.pool.disconnect();
  }
}
