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
  /** Tidings: connections per user (each user's connections joined its one note). */
  connectionsPerUser: number;
  before: MemorySample;
  after: MemorySample;
  perConnection: MemoryPerConnection;
}

/** Lets the target finish any work the connects started before it is measured. */
const SETTLE_MS = 1_000;

/** N idle, authenticated connections, each joined to its room; the server's memory per one. */
export async function runIdle(context: WorkloadContext): Promise<IdleResult> {
  const { idle, connectionsPerUser } = context.options;
  const perRoom = Math.min(connectionsPerUser, idle);
  const rooms = Math.ceil(idle / perRoom);
  const specs = (await context.target.specs(rooms, perRoom, false)).slice(0, idle);
  const before = await context.target.memory();
  try {
    await openAll(context, specs);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    const after = await context.target.memory();
    const perConnection = memoryPerConnection(before, after, specs.length);
    context.log(
      `idle ${specs.length}: ${round(perConnection.rssBytes / 1024)} KiB RSS, ` +
        `${round(perConnection.heapBytes / 1024)} KiB heap per connection`,
    );
    return { connections: specs.length, connectionsPerUser: perRoom, before, after, perConnection };
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
