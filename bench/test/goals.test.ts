import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../src/options';
import { checkGoals, renderGoals } from '../src/report/goals';
import type { BenchRun, TargetResult } from '../src/report/run-result';
import type { TargetKind } from '../src/shared/types';

/** The figures the goals read, for one target; the rest of each result is not looked at. */
interface Figures {
  ceiling?: number;
  p99?: number;
  heap?: number;
  connects?: number;
  resume?: { ws: number; sse: number; rest: number };
  growth?: [delivered: number, demanded: number][];
}

function target(kind: TargetKind, label: string, figures: Figures): TargetResult {
  return {
    kind,
    label,
    errors: [],
    saturation:
      figures.ceiling === undefined
        ? undefined
        : ({ bestDeliveriesPerSecond: figures.ceiling } as TargetResult['saturation']),
    fanout:
      figures.p99 === undefined
        ? undefined
        : ({ latencyMs: { p99: figures.p99 } } as TargetResult['fanout']),
    idle:
      figures.heap === undefined
        ? undefined
        : ({ perConnection: { heapBytes: figures.heap } } as TargetResult['idle']),
    connect:
      figures.connects === undefined
        ? undefined
        : ({ perSecond: figures.connects } as TargetResult['connect']),
    resume: figures.resume && ({ ms: figures.resume } as TargetResult['resume']),
    growth: figures.growth?.map(
      ([deliveriesPerSecond, demandedDeliveriesPerSecond]) =>
        ({ deliveriesPerSecond, demandedDeliveriesPerSecond }) as NonNullable<
          TargetResult['growth']
        >[number],
    ),
  };
}

function run(targets: TargetResult[]): BenchRun {
  return {
    startedAt: '',
    finishedAt: '',
    machine: { cpus: 2, cpuModel: 'test', totalMemoryBytes: 0, node: 'v20', platform: 'linux' },
    options: DEFAULTS,
    targets,
  };
}

const ws = target('ws', 'raw ws', { ceiling: 1000, p99: 2, heap: 1000, connects: 4000 });
const socketio = target('socketio', 'Socket.IO', {
  ceiling: 500,
  p99: 4,
  heap: 4000,
  connects: 1000,
});

describe('goals checked on a run', () => {
  it('meets each goal at its bound and misses it just past', () => {
    const atBounds = target('tidings', 'Tidings (PGlite)', {
      ceiling: 1000, // 1x raw ws, 2x Socket.IO
      p99: 4, // 1x Socket.IO
      heap: 1500, // 1.5x raw ws, below Socket.IO
      connects: 2000, // 0.5x raw ws
      resume: { ws: 200, sse: 300, rest: 900 },
      growth: [
        [5000, 5000],
        [4750, 5000],
      ],
    });
    const justPast = target('tidings-pg', 'Tidings (Postgres)', {
      ceiling: 990,
      p99: 4.2,
      heap: 1530,
      connects: 1960,
      resume: { ws: 200, sse: 950, rest: 900 },
      growth: [
        [5000, 5000],
        [4700, 5000],
      ],
    });
    const checks = checkGoals(run([ws, socketio, atBounds, justPast]));

    const verdicts = (label: string) =>
      checks.filter((check) => check.target === label).map((check) => check.met);
    expect(verdicts('Tidings (PGlite)')).toEqual([true, true, true, true, true, true, true, true]);
    expect(verdicts('Tidings (Postgres)')).toEqual([
      false, // 0.99x raw ws
      false, // 1.98x Socket.IO
      false, // 1.05x Socket.IO's p99
      false, // 1.53x raw ws' heap
      true, // still below Socket.IO's heap
      false, // 0.49x raw ws' connects
      false, // SSE slower than REST
      false, // 0.94x of demand
    ]);
    expect(checks.find((c) => c.target === 'Tidings (Postgres)')?.measured).toBe('0.99x');
  });

  it('says n/a, neither met nor missed, when the run lacks a baseline or a workload', () => {
    const alone = target('tidings', 'Tidings (PGlite)', { ceiling: 5000, connects: 100 });
    const checks = checkGoals(run([socketio, alone]));

    const ceilingAgainstWs = checks[0];
    expect(ceilingAgainstWs).toMatchObject({ measured: 'n/a', met: null });
    const ceilingAgainstSocketIo = checks[1];
    expect(ceilingAgainstSocketIo).toMatchObject({ measured: '10.00x', met: true });
    expect(checks.filter((check) => check.met === null)).toHaveLength(7);
  });

  it('renders a row per goal and a column per Tidings target', () => {
    const ours = target('tidings', 'Tidings (PGlite)', { ceiling: 2000, connects: 1000 });
    const table = renderGoals(checkGoals(run([ws, socketio, ours])));

    const lines = table.split('\n');
    expect(lines[0]).toBe('| goal (issue 7) | Tidings (PGlite) |');
    expect(lines).toHaveLength(2 + 8);
    expect(table).toContain('| fan-out ceiling at least 2x Socket.IO | 4.00x, met |');
    expect(table).toContain(
      '| connections/s with authentication at least half of raw ws | 0.25x, not met |',
    );
    expect(renderGoals(checkGoals(run([ws])))).toBe('');
  });
});
