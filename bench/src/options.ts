import { parseArgs } from 'node:util';
import type { TargetKind } from './shared/types';

export const WORKLOADS = ['fanout', 'saturation', 'idle', 'connect', 'resume', 'growth'] as const;
export type Workload = (typeof WORKLOADS)[number];
const TARGETS: readonly TargetKind[] = ['ws', 'socketio', 'tidings', 'tidings-pg'];

/** Every size and duration of a run; each workload stops itself within these bounds. */
export interface BenchOptions {
  targets: TargetKind[];
  workloads: Workload[];
  workers: number;
  /** Fan-out: rooms x subscribers, aggregate publish rate (messages/s), seconds. */
  rooms: number;
  subscribers: number;
  rate: number;
  durationMs: number;
  warmupMs: number;
  payloadBytes: number;
  /** Saturation: start rate (messages/s), factor per step, steps, seconds per step, p99 bound. */
  saturationStart: number;
  saturationFactor: number;
  saturationSteps: number;
  saturationStepMs: number;
  p99LimitMs: number;
  /** Idle: connections, and connections per Tidings user (one note per user). */
  idle: number;
  connectionsPerUser: number;
  /** Connect: connections opened, with this many in flight. */
  connect: number;
  concurrency: number;
  /** Resume: changes missed. */
  resume: number;
  /** Growth: total subscribers per size (in `rooms` rooms) at a constant delivery demand. */
  growth: number[];
  growthDeliveries: number;
  /** Longest wait for late deliveries after publishing stopped. */
  drainMs: number;
  databaseUrl: string | undefined;
  profile: boolean;
  out: string | undefined;
  smoke: boolean;
}

export const DEFAULTS: BenchOptions = {
  targets: ['ws', 'socketio', 'tidings'],
  workloads: [...WORKLOADS],
  workers: 2,
  rooms: 10,
  subscribers: 100,
  rate: 50,
  durationMs: 5_000,
  warmupMs: 1_000,
  payloadBytes: 100,
  // 200 to 3,638 msg/s in steps of 1.25x: past every ceiling measured on the 2-core machines so
  // far (raw ws 1,250 to 3,030 msg/s, Tidings up to 2,441), in steps fine enough to compare.
  saturationStart: 200,
  saturationFactor: 1.25,
  saturationSteps: 14,
  saturationStepMs: 3_000,
  p99LimitMs: 100,
  idle: 5_000,
  connectionsPerUser: 10,
  connect: 2_000,
  concurrency: 50,
  resume: 10_000,
  growth: [100, 1_000, 5_000],
  growthDeliveries: 5_000,
  drainMs: 10_000,
  databaseUrl: undefined,
  profile: false,
  out: undefined,
  smoke: false,
};

/** A few seconds in all, a few dozen connections: proves the harness, measures nothing. */
export const SMOKE: Partial<BenchOptions> = {
  rooms: 2,
  subscribers: 5,
  rate: 20,
  durationMs: 1_000,
  warmupMs: 300,
  saturationStart: 20,
  saturationSteps: 2,
  saturationStepMs: 1_000,
  idle: 20,
  connectionsPerUser: 5,
  connect: 20,
  concurrency: 10,
  resume: 100,
  growth: [10, 20],
  growthDeliveries: 200,
  drainMs: 3_000,
};

export const USAGE = `npm run bench -- [flags]

  --smoke                  tiny sizes, a few seconds per target (overrides the sizes below)
  --targets LIST           ws,socketio,tidings,tidings-pg      (default ws,socketio,tidings)
  --workloads LIST         ${WORKLOADS.join(',')}   (default all)
  --workers N              load-generator processes                       (default 2)
  --rooms N --subscribers N  fan-out size                                 (default 10 x 100)
  --rate N                 fan-out messages/s, all publishers together    (default 50)
  --duration S --warmup S  seconds measured / not measured per phase      (default 5 / 1)
  --payload BYTES          message body size                              (default 100)
  --saturation-start N --saturation-factor F --saturation-steps N --saturation-step S
                           rate ramp until p99 > --p99-limit MS          (default 200, 1.25, 14, 3 s, 100)
  --idle N                 idle authenticated connections                 (default 5000)
  --connections-per-user N Tidings connections per user in idle           (default 10)
  --connect N --concurrency N  connections opened / in flight            (default 2000 / 50)
  --resume N               changes missed by the resuming client          (default 10000)
  --growth LIST            total subscribers per size                     (default 100,1000,5000)
  --growth-deliveries N    deliveries/s demanded at every growth size     (default 5000)
  --drain S                longest wait for late deliveries               (default 10)
  --database-url URL       Postgres server for the tidings-pg target
  --profile                write CPU profiles of the targets to bench/results/profiles
  --out FILE               JSON result file   (default bench/results/run-<time>.json)
`;

export function parseOptions(argv: string[]): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      help: { type: 'boolean' },
      smoke: { type: 'boolean' },
      targets: { type: 'string' },
      workloads: { type: 'string' },
      workers: { type: 'string' },
      rooms: { type: 'string' },
      subscribers: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      payload: { type: 'string' },
      'saturation-start': { type: 'string' },
      'saturation-factor': { type: 'string' },
      'saturation-steps': { type: 'string' },
      'saturation-step': { type: 'string' },
      'p99-limit': { type: 'string' },
      idle: { type: 'string' },
      'connections-per-user': { type: 'string' },
      connect: { type: 'string' },
      concurrency: { type: 'string' },
      resume: { type: 'string' },
      growth: { type: 'string' },
      'growth-deliveries': { type: 'string' },
      drain: { type: 'string' },
      'database-url': { type: 'string' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  if (values.help) return 'help';
  const options: BenchOptions = { ...DEFAULTS, ...(values.smoke ? SMOKE : {}) };
  options.smoke = values.smoke ?? false;
  const count = (name: string, value: string | undefined, fallback: number, min = 1) => {
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed) || parsed < min) {
      throw new Error(`--${name} must be a number >= ${min}, got "${value}"`);
    }
    return parsed;
  };
  const seconds = (name: string, value: string | undefined, fallbackMs: number) =>
    value === undefined ? fallbackMs : Math.round(count(name, value, 0, 0) * 1000);

  if (values.targets) options.targets = listOf(values.targets, TARGETS, 'targets');
  if (values.workloads) options.workloads = listOf(values.workloads, WORKLOADS, 'workloads');
  options.workers = count('workers', values.workers, options.workers);
  options.rooms = count('rooms', values.rooms, options.rooms);
  options.subscribers = count('subscribers', values.subscribers, options.subscribers);
  options.rate = count('rate', values.rate, options.rate);
  options.durationMs = seconds('duration', values.duration, options.durationMs);
  options.warmupMs = seconds('warmup', values.warmup, options.warmupMs);
  options.payloadBytes = count('payload', values.payload, options.payloadBytes, 40);
  options.saturationStart = count(
    'saturation-start',
    values['saturation-start'],
    options.saturationStart,
  );
  options.saturationFactor = count(
    'saturation-factor',
    values['saturation-factor'],
    options.saturationFactor,
    1.05,
  );
  options.saturationSteps = count(
    'saturation-steps',
    values['saturation-steps'],
    options.saturationSteps,
  );
  options.saturationStepMs = seconds(
    'saturation-step',
    values['saturation-step'],
    options.saturationStepMs,
  );
  options.p99LimitMs = count('p99-limit', values['p99-limit'], options.p99LimitMs);
  options.idle = count('idle', values.idle, options.idle);
  options.connectionsPerUser = count(
    'connections-per-user',
    values['connections-per-user'],
    options.connectionsPerUser,
  );
  options.connect = count('connect', values.connect, options.connect);
  options.concurrency = count('concurrency', values.concurrency, options.concurrency);
  options.resume = count('resume', values.resume, options.resume);
  if (values.growth) {
    options.growth = values.growth.split(',').map((size) => count('growth', size.trim(), 1));
  }
  options.growthDeliveries = count(
    'growth-deliveries',
    values['growth-deliveries'],
    options.growthDeliveries,
  );
  options.drainMs = seconds('drain', values.drain, options.drainMs);
  options.databaseUrl = values['database-url'] ?? options.databaseUrl;
  options.profile = values.profile ?? false;
  options.out = values.out;
  if (options.targets.includes('tidings-pg') && !options.databaseUrl) {
    throw new Error('--targets tidings-pg needs --database-url postgres://...');
  }
  return options;
}

function listOf<T extends string>(value: string, allowed: readonly T[], name: string): T[] {
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new Error(`--${name}: "${item}" is not one of ${allowed.join(', ')}`);
    }
  }
  return items as T[];
}
