import { LatencyHistogram } from '../shared/histogram';
import { nowMs } from '../shared/clock';
import { decodePayload, encodePayload, WARMUP_PHASE } from '../shared/payload';
import { serveRpc } from '../shared/rpc';
import type { ConnectionSpec, TargetKind } from '../shared/types';
import type { BenchConnection, ConnectionEvents, OpenConnection } from './bench-client';
import { openRawWs } from './raw-ws-client';
import { openSocketIo } from './socketio-client';
import { openTidings } from './tidings-client';
import { runResume } from './resume-client';
import type {
  ConnectParams,
  ConnectResult,
  PublishParams,
  PublishResult,
  ReceiveStats,
  WorkerApi,
} from './worker-api';

/**
 * A load-generator process: opens its share of the connections, publishes at a paced rate and
 * measures what arrives. Several run side by side so the load is not one event loop's ceiling.
 */
const OPENERS: Record<TargetKind, OpenConnection> = {
  ws: openRawWs,
  socketio: openSocketIo,
  tidings: openTidings,
  'tidings-pg': openTidings,
};
/** Publisher ticks; sends due since the last tick go out together. */
const TICK_MS = 2;
const MAX_SAMPLES = 5;

interface Open {
  spec: ConnectionSpec;
  connection: BenchConnection;
}

let open: Open[] = [];
let stats = freshStats();
/** Only payloads of this phase count: late arrivals of an earlier one are not this one's. */
let activePhase = -1;

function freshStats() {
  return {
    received: new Map<number, number>(),
    histogram: new LatencyHistogram(),
    firstReceivedAt: null as number | null,
    lastReceivedAt: null as number | null,
    unexpected: 0,
    unexpectedSamples: [] as string[],
    lost: 0,
    total: 0,
  };
}

function noteUnexpected(description: string): void {
  stats.unexpected += 1;
  if (stats.unexpectedSamples.length < MAX_SAMPLES) {
    stats.unexpectedSamples.push(description.slice(0, 200));
  }
}

function eventsFor(spec: ConnectionSpec): ConnectionEvents {
  return {
    onBody(body) {
      const payload = decodePayload(body);
      if (!payload || payload.room !== spec.room) {
        noteUnexpected(`room ${spec.room} got ${body.slice(0, 80)}`);
        return;
      }
      if (payload.phase !== activePhase) return;
      const now = nowMs();
      stats.received.set(payload.room, (stats.received.get(payload.room) ?? 0) + 1);
      stats.total += 1;
      stats.histogram.record(now - payload.sentAt);
      stats.firstReceivedAt ??= now;
      stats.lastReceivedAt = now;
    },
    onUnexpected: noteUnexpected,
    onLost() {
      stats.lost += 1;
    },
  };
}

async function connect(params: ConnectParams): Promise<ConnectResult> {
  const openConnection = OPENERS[params.kind];
  const result: ConnectResult = {
    opened: 0,
    failed: 0,
    errors: [],
    startedAt: nowMs(),
    finishedAt: 0,
  };
  let next = 0;
  const lane = async () => {
    while (next < params.specs.length) {
      const spec = params.specs[next++]!;
      try {
        const connection = await openConnection(params.baseUrl, spec, eventsFor(spec));
        open.push({ spec, connection });
        result.opened += 1;
      } catch (error) {
        result.failed += 1;
        if (result.errors.length < MAX_SAMPLES) {
          result.errors.push(error instanceof Error ? error.message : String(error));
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, params.concurrency) }, lane));
  result.finishedAt = nowMs();
  return result;
}

/**
 * Each publisher sends `ratePerRoom` messages a second for warm-up plus duration. Rooms are
 * phase-shifted so that publishers in one worker do not all fire in the same tick.
 */
async function publish(params: PublishParams): Promise<PublishResult> {
  const publishers = open.filter((entry) => entry.spec.publisher);
  const result: PublishResult = { sent: {}, firstSentAt: null, lastSentAt: null };
  if (publishers.length === 0 || params.ratePerRoom <= 0) return result;
  const padding = 'x'.repeat(Math.max(0, params.payloadBytes - 40));
  const counts = publishers.map(() => 0);
  const offsets = publishers.map((entry) => (entry.spec.room * 0.618034) % 1);
  const startedAt = nowMs();
  const endsAt = startedAt + params.warmupMs + params.durationMs;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = nowMs();
      const elapsed = Math.min(now, endsAt) - startedAt;
      const warmup = elapsed < params.warmupMs;
      const phase = warmup ? WARMUP_PHASE : params.phase;
      publishers.forEach((entry, index) => {
        const due = Math.floor((elapsed / 1000) * params.ratePerRoom + offsets[index]!);
        while (counts[index]! < due) {
          const seq = counts[index]!;
          counts[index] = seq + 1;
          const sentAt = nowMs();
          entry.connection.publish(
            encodePayload({ room: entry.spec.room, seq, sentAt, phase }, padding),
          );
          if (!warmup) {
            result.sent[entry.spec.room] = (result.sent[entry.spec.room] ?? 0) + 1;
            result.firstSentAt ??= sentAt;
            result.lastSentAt = sentAt;
          }
        }
      });
      if (now >= endsAt) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, TICK_MS);
  });
  return result;
}

function collect(): ReceiveStats {
  const current = stats;
  stats = freshStats();
  return {
    received: Object.fromEntries(current.received),
    histogram: current.histogram.toJSON(),
    firstReceivedAt: current.firstReceivedAt,
    lastReceivedAt: current.lastReceivedAt,
    unexpected: current.unexpected,
    unexpectedSamples: current.unexpectedSamples,
    lost: current.lost,
  };
}

async function disconnect(): Promise<number> {
  const closing = open;
  open = [];
  await Promise.all(closing.map((entry) => entry.connection.close().catch(() => undefined)));
  return closing.length;
}

const api: WorkerApi = {
  connect,
  publish,
  received: () => stats.total,
  beginPhase(phase: number) {
    stats = freshStats();
    activePhase = phase;
  },
  collect,
  disconnect,
  resume: runResume,
};
serveRpc(api);
