import type { BenchOptions } from '../options';
import type { TargetKind } from '../shared/types';
import type { ConnectResult } from '../workloads/connect';
import type { FanoutResult } from '../workloads/fanout';
import type { GrowthStep } from '../workloads/growth';
import type { IdleResult } from '../workloads/idle';
import type { ResumeWorkloadResult } from '../workloads/resume';
import type { SaturationResult } from '../workloads/saturation';
import type { GoalCheck } from './goals';
import type { SummaryRow } from './table';

/** Everything one target produced; a workload that failed leaves its error instead. */
export interface TargetResult {
  kind: TargetKind;
  label: string;
  fanout?: FanoutResult;
  saturation?: SaturationResult;
  idle?: IdleResult;
  connect?: ConnectResult;
  resume?: ResumeWorkloadResult | null;
  growth?: GrowthStep[];
  errors: { workload: string; message: string }[];
}

export interface Machine {
  cpus: number;
  cpuModel: string;
  totalMemoryBytes: number;
  node: string;
  platform: string;
}

/** The JSON written under bench/results/. */
export interface BenchRun {
  startedAt: string;
  finishedAt: string;
  machine: Machine;
  options: BenchOptions;
  targets: TargetResult[];
  /** The table's figures and ratios (filled in by the CLI from `targets`). */
  summary?: SummaryRow[];
  /** The goals checked on this run (filled in by the CLI from `targets`). */
  goals?: GoalCheck[];
}
