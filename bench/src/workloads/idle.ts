import type { MemorySample } from '../shared/types';
import { openAll, round, type WorkloadContext } from './context';

export interface MemoryPerConnection {
  /** Bytes per connection: growth of the target's memory after GC, divided by connections. */
  rssBytes: number;
  heapBytes: number;
  /** Off-heap buffers (socket buffers, ArrayBuffers) per connection. */
  externalBytes: number;
}

export interface IdleResult {
  connections: number;
  /** Opened before the first sample; memory per connection is over the other ones. */
  warmupConnections: number;
  /** Tidings: connections per user (each user's connections joined its one note). */
  connectionsPerUser: number;
  before: MemorySample;
  after: MemorySample;
  perConnection: MemoryPerConnection;
}

/** Lets the target finish any work the connects started before it is measured. */
const SETTLE_MS = 1_000;
/**
 * The share of the connections opened before the first sample. What the first connections cost
 * once (code compiled for the connect path, caches and pools made on first use) is then not
 * divided among the connections: the figure is what one more idle connection costs.
 */
const WARMUP_SHARE = 0.1;

/** N idle, authenticated connections, each joined to its room; the server's memory per one. */
export async function runIdle(context: WorkloadContext): Promise<IdleResult> {
  const { idle, connectionsPerUser } = context.options;
  const perRoom = Math.min(connectionsPerUser, idle);
  const rooms = Math.ceil(idle / perRoom);
  const specs = (await context.target.specs(rooms, perRoom, false)).slice(0, idle);
  const warmup = Math.floor(specs.length * WARMUP_SHARE);
  const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  try {
    if (warmup > 0) {
      await openAll(context, specs.slice(0, warmup));
      await settle();
    }
    const before = await context.target.memory();
    await openAll(context, specs.slice(warmup));
    await settle();
    const after = await context.target.memory();
    const perConnection = memoryPerConnection(before, after, specs.length - warmup);
    context.log(
      `idle ${specs.length}: ${round(perConnection.rssBytes / 1024)} KiB RSS, ` +
        `${round(perConnection.heapBytes / 1024)} KiB heap per connection ` +
        `(the last ${specs.length - warmup})`,
    );
    return {
      connections: specs.length,
      warmupConnections: warmup,
      connectionsPerUser: perRoom,
      before,
      after,
      perConnection,
    };
  } finally {
    await context.pool.disconnect();
  }
}

export function memoryPerConnection(
  before: MemorySample,
  after: MemorySample,
  connections: number,
): MemoryPerConnection {
  const per = (key: keyof MemorySample) => Math.round((after[key] - before[key]) / connections);
  return { rssBytes: per('rss'), heapBytes: per('heapUsed'), externalBytes: per('external') };
}
