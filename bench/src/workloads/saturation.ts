import { openAll, type WorkloadContext } from './context';
import { describePhase, type PhaseMetrics, runPhase } from './fanout-phase';

export interface SaturationResult {
  rooms: number;
  subscribers: number;
  p99LimitMs: number;
  /** The most deliveries per second of a step that kept p99 under the limit with no loss. */
  bestDeliveriesPerSecond: number;
  bestRate: number;
  steps: PhaseMetrics[];
}

/** Below this share of the demanded deliveries the server is falling behind: stop raising. */
const KEEP_UP_SHARE = 0.9;
const MAX_LOSS_RATE = 0.001;

/** The fan-out rooms, with the rate raised step by step until p99 passes the limit. */
export async function runSaturation(context: WorkloadContext): Promise<SaturationResult> {
  const { rooms, subscribers, saturationStart, saturationFactor, saturationSteps } =
    context.options;
  const { saturationStepMs, warmupMs, p99LimitMs } = context.options;
  const result: SaturationResult = {
    rooms,
    subscribers,
    p99LimitMs,
    bestDeliveriesPerSecond: 0,
    bestRate: 0,
    steps: [],
  };
  await openAll(context, await context.target.specs(rooms, subscribers + 1, true));
  try {
    let rate = saturationStart;
    for (let step = 0; step < saturationSteps; step += 1) {
      const metrics = await runPhase(context, {
        rooms,
        subscribers,
        rate: Math.round(rate),
        durationMs: saturationStepMs,
        warmupMs: Math.min(warmupMs, 500),
      });
      result.steps.push(metrics);
      context.log(`saturation step ${step + 1}: ${describePhase(metrics)}`);
      const within =
        metrics.latencyMs.p99 <= p99LimitMs &&
        metrics.lossRate <= MAX_LOSS_RATE &&
        metrics.deliveriesPerSecond >= KEEP_UP_SHARE * metrics.demandedDeliveriesPerSecond;
      if (!within) break;
      if (metrics.deliveriesPerSecond > result.bestDeliveriesPerSecond) {
        result.bestDeliveriesPerSecond = metrics.deliveriesPerSecond;
        result.bestRate = metrics.rate;
      }
      rate *= saturationFactor;
    }
  } finally {
    await context.pool.disconnect();
  }
  return result;
}
