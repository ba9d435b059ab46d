import { openAll, type WorkloadContext } from './context';
import { describePhase, type PhaseMetrics, runPhase } from './fanout-phase';
import { memoryPerConnection, type MemoryPerConnection } from './idle';

export interface GrowthStep extends PhaseMetrics {
  subscribers: number;
  rooms: number;
  memoryPerConnection: MemoryPerConnection;
}

/**
 * The fan-out at growing subscriber counts (in --rooms rooms) with the same deliveries per second
 * demanded at each size: flat delivery rate and latency, and linear memory, is what scales.
 */
export async function runGrowth(context: WorkloadContext): Promise<GrowthStep[]> {
  const { growth, growthDeliveries, rooms: maxRooms, durationMs, warmupMs } = context.options;
  const steps: GrowthStep[] = [];
  for (const total of growth) {
    const rooms = Math.min(maxRooms, total);
    const subscribers = Math.max(1, Math.floor(total / rooms));
    const specs = await context.target.specs(rooms, subscribers + 1, true);
    const before = await context.target.memory();
    try {
      await openAll(context, specs);
      const after = await context.target.memory();
      const metrics = await runPhase(context, {
        rooms,
        subscribers,
        rate: growthDeliveries / subscribers,
        durationMs,
        warmupMs,
      });
      steps.push({
        subscribers: rooms * subscribers,
        rooms,
        ...metrics,
        memoryPerConnection: memoryPerConnection(before, after, specs.length),
      });
      context.log(`growth ${rooms * subscribers}: ${describePhase(metrics)}`);
    } finally {
      await context.pool.disconnect();
    }
  }
  return steps;
}
