import { nowMs } from '../shared/clock';
import { round, type WorkloadContext } from './context';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One measured stretch of publishing into open rooms. */
export interface PhaseMetrics {
  /** Messages per second, all publishers together. */
  rate: number;
  /** Deliveries per second the rate asks for (rate x subscribers per room). */
  demandedDeliveriesPerSecond: number;
  sent: number;
  expected: number;
  received: number;
  loss: number;
  lossRate: number;
  /** Deliveries from the first send to the last receipt, per second. */
  deliveriesPerSecond: number;
  latencyMs: LatencySummary;
  unexpected: number;
  unexpectedSamples: string[];
  lostConnections: number;
}

export interface PhaseParams {
  rooms: number;
  /** Receivers per room (the publisher not included). */
  subscribers: number;
  rate: number;
  durationMs: number;
  warmupMs: number;
}

/** Idle time with no new deliveries after which the rest counts as lost. */
const DRAIN_QUIET_MS = 1_000;
let lastPhase = 0;

export async function runPhase(
  context: WorkloadContext,
  params: PhaseParams,
): Promise<PhaseMetrics> {
  const { pool, options } = context;
  const phase = ++lastPhase;
  await pool.beginPhase(phase);
  const published = await pool.publish({
    phase,
    ratePerRoom: params.rate / params.rooms,
    warmupMs: params.warmupMs,
    durationMs: params.durationMs,
    payloadBytes: options.payloadBytes,
  });
  let sent = 0;
  for (const count of published.sent.values()) sent += count;
  const expected = sent * params.subscribers;
  await drain(context, expected);
  const received = await pool.collect();
  const span =
    published.firstSentAt !== null && received.lastReceivedAt !== null
      ? (received.lastReceivedAt - published.firstSentAt) / 1000
      : 0;
  const loss = Math.max(0, expected - received.total);
  return {
    rate: params.rate,
    demandedDeliveriesPerSecond: params.rate * params.subscribers,
    sent,
    expected,
    received: received.total,
    loss,
    lossRate: expected > 0 ? loss / expected : 0,
    deliveriesPerSecond: span > 0 ? Math.round(received.total / span) : 0,
    latencyMs: {
      p50: round(received.histogram.percentile(50)),
      p90: round(received.histogram.percentile(90)),
      p99: round(received.histogram.percentile(99)),
      max: round(received.histogram.max),
    },
    unexpected: received.unexpected,
    unexpectedSamples: received.unexpectedSamples,
    lostConnections: received.lost,
  };
}

/** Waits until everything arrived, nothing arrived for a second, or --drain passed. */
async function drain(context: WorkloadContext, expected: number): Promise<void> {
  const deadline = nowMs() + context.options.drainMs;
  let last = -1;
  let lastChangeAt = nowMs();
  while (nowMs() < deadline) {
    const received = await context.pool.received();
    if (received >= expected) return;
    if (received !== last) {
      last = received;
      lastChangeAt = nowMs();
    } else if (nowMs() - lastChangeAt > DRAIN_QUIET_MS) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function describePhase(metrics: PhaseMetrics): string {
  const { latencyMs: l } = metrics;
  return (
    `${metrics.rate} msg/s -> ${metrics.deliveriesPerSecond} deliveries/s, ` +
    `loss ${metrics.loss}/${metrics.expected}, p50 ${l.p50} p90 ${l.p90} p99 ${l.p99} max ${l.max} ms`
  );
}
