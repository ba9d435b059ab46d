import type { BenchRun, TargetResult } from './run-result';
import { ratioOf } from './table';

/*
 * The goals Tidings is measured against (issue 7), checked on one run: ratios from the same run
 * on the same machine, never figures from another. ("Goal", because "target" already names the
 * servers under test.)
 */

/** Delivering at least this share of the demanded deliveries/s counts as keeping up. */
export const KEEPS_UP_SHARE = 0.95;

/** One goal, for one Tidings target of the run. */
export interface GoalCheck {
  goal: string;
  /** The Tidings target's label, e.g. "Tidings (PGlite)". */
  target: string;
  /** What the run measured for it: a ratio, or the figures compared. */
  measured: string;
  /** Null when the run lacks a figure the goal needs (a workload or a baseline not run). */
  met: boolean | null;
}

type Baseline = 'ws' | 'socketio';

/** A goal on Tidings' figure divided by a baseline's, as the table prints it (two decimals). */
interface RatioGoal {
  goal: string;
  baseline: Baseline;
  figure(target: TargetResult): number | undefined;
  meets(ratio: number): boolean;
}

const RATIO_GOALS: RatioGoal[] = [
  {
    goal: 'fan-out ceiling (deliveries/s with p99 under the limit) at least raw ws',
    baseline: 'ws',
    figure: (t) => t.saturation?.bestDeliveriesPerSecond,
    meets: (ratio) => ratio >= 1,
  },
  {
    goal: 'fan-out ceiling at least 2x Socket.IO',
    baseline: 'socketio',
    figure: (t) => t.saturation?.bestDeliveriesPerSecond,
    meets: (ratio) => ratio >= 2,
  },
  {
    goal: 'p99 latency at the default fan-out no worse than Socket.IO',
    baseline: 'socketio',
    figure: (t) => t.fanout?.latencyMs.p99,
    meets: (ratio) => ratio <= 1,
  },
  {
    goal: 'heap per idle authenticated connection at most 1.5x raw ws',
    baseline: 'ws',
    figure: (t) => t.idle?.perConnection.heapBytes,
    meets: (ratio) => ratio <= 1.5,
  },
  {
    goal: 'heap per idle authenticated connection below Socket.IO',
    baseline: 'socketio',
    figure: (t) => t.idle?.perConnection.heapBytes,
    meets: (ratio) => ratio < 1,
  },
  {
    goal: 'connections/s with authentication at least half of raw ws',
    baseline: 'ws',
    figure: (t) => t.connect?.perSecond,
    meets: (ratio) => ratio >= 0.5,
  },
];

/** Every goal for every Tidings target of the run, in the order. */
export function checkGoals(run: BenchRun): GoalCheck[] {
  const baselineOf = (kind: Baseline) => run.targets.find((t) => t.kind === kind);
  const ours = run.targets.filter((t) => t.kind === 'tidings' || t.kind === 'tidings-pg');
  return ours.flatMap((target) => [
    ...RATIO_GOALS.map((goal) => checkRatio(goal, target, baselineOf(goal.baseline))),
    checkResume(target),
    checkGrowth(target),
  ]);
}

function checkRatio(
  goal: RatioGoal,
  target: TargetResult,
  baseline: TargetResult | undefined,
): GoalCheck {
  const ratio = ratioOf(goal.figure(target), baseline && goal.figure(baseline));
  if (ratio === null) return unmeasured(goal.goal, target);
  return {
    goal: goal.goal,
    target: target.label,
    measured: `${ratio.toFixed(2)}x`,
    met: goal.meets(ratio),
  };
}

function checkResume(target: TargetResult): GoalCheck {
  const goal = 'resume faster over WebSocket and SSE than re-fetching through REST';
  const { ws, sse, rest } = target.resume?.ms ?? {};
  if (ws === undefined || sse === undefined || rest === undefined) return unmeasured(goal, target);
  return {
    goal,
    target: target.label,
    measured: `${Math.round(ws)} and ${Math.round(sse)} ms against ${Math.round(rest)} ms`,
    met: ws < rest && sse < rest,
  };
}

function checkGrowth(target: TargetResult): GoalCheck {
  const goal = 'deliveries/s roughly flat as subscribers grow (each size keeps up with demand)';
  const steps = target.growth ?? [];
  if (steps.length === 0) return unmeasured(goal, target);
  const shares = steps.map((step) => step.deliveriesPerSecond / step.demandedDeliveriesPerSecond);
  const lowest = Math.min(...shares);
  return {
    goal,
    target: target.label,
    measured: `${lowest.toFixed(2)}x of demand at worst`,
    met: lowest >= KEEPS_UP_SHARE,
  };
}

function unmeasured(goal: string, target: TargetResult): GoalCheck {
  return { goal, target: target.label, measured: 'n/a', met: null };
}

/** A Markdown table: a row per goal, a column per Tidings target; empty without one. */
export function renderGoals(checks: readonly GoalCheck[]): string {
  const targets = [...new Set(checks.map((check) => check.target))];
  if (targets.length === 0) return '';
  const goals = [...new Set(checks.map((check) => check.goal))];
  const verdict = (met: boolean | null) => (met === null ? '' : met ? ', met' : ', not met');
  const lines = [
    ['goal (issue 7)', ...targets],
    ['---', ...targets.map(() => '---')],
    ...goals.map((goal) => [
      goal,
      ...targets.map((target) => {
        const check = checks.find((c) => c.goal === goal && c.target === target);
        return check ? `${check.measured}${verdict(check.met)}` : 'n/a';
      }),
    ]),
  ];
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}
