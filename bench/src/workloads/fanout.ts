import { openAll, type WorkloadContext } from './context';
import { describePhase, type PhaseMetrics, runPhase } from './fanout-phase';

export interface FanoutResult extends PhaseMetrics {
  rooms: number;
  subscribers: number;
}

/** R rooms x S subscribers, one publisher per room, a fixed aggregate rate. */
export async function runFanout(context: WorkloadContext): Promise<FanoutResult> {
  const { rooms, subscribers, rate, durationMs, warmupMs } = context.options;
  await openAll(context, await context.target.specs(rooms, subscribers + 1, true));
  try {
    const metrics = await runPhase(context, { rooms, subscribers, rate, durationMs, warmupMs });
    context.log(`fan-out ${rooms}x${subscribers}: ${describePhase(metrics)}`);
    return { rooms, subscribers, ...metrics };
  } finally {
    await context.pool.disconnect();
  }
}
