import { cpus, platform, totalmem } from 'node:os';
import { WorkerPool } from './load/worker-pool';
import type { BenchOptions, Workload } from './options';
import type { BenchRun, TargetResult } from './report/run-result';
import { startTarget, type Target } from './targets/target-process';
import type { WorkloadContext } from './workloads/context';
import { runConnect } from './workloads/connect';
import { runFanout } from './workloads/fanout';
import { runGrowth } from './workloads/growth';
import { runIdle } from './workloads/idle';
import { runResume } from './workloads/resume';
import { runSaturation } from './workloads/saturation';

type Runner = (context: WorkloadContext) => Promise<unknown>;
const RUNNERS: Record<Workload, Runner> = {
  fanout: runFanout,
  saturation: runSaturation,
  idle: runIdle,
  connect: runConnect,
  resume: runResume,
  growth: runGrowth,
};

/**
 * Runs every selected workload against every selected target, one target at a time (so the
 * targets never share the cores), with the same load-worker processes throughout.
 */
export async function runBench(
  options: BenchOptions,
  log: (line: string) => void,
  profileDir?: string,
): Promise<BenchRun> {
  const startedAt = new Date().toISOString();
  const pool = await WorkerPool.start(options.workers);
  const targets: TargetResult[] = [];
  try {
    for (const kind of options.targets) {
      let target: Target | null = null;
      try {
        target = await startTarget(kind, { profileDir, databaseUrl: options.databaseUrl });
        log(`== ${target.label} at ${target.baseUrl}`);
        targets.push(await runTargetWorkloads(options, pool, target, log));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`${kind}: ${message}`);
        targets.push({ kind, label: kind, errors: [{ workload: 'start', message }] });
      } finally {
        await target?.stop();
      }
    }
  } finally {
    await pool.close();
  }
  return {
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      totalMemoryBytes: totalmem(),
      node: process.version,
      platform: platform(),
    },
    options,
    targets,
  };
}

async function runTargetWorkloads(
  options: BenchOptions,
  pool: WorkerPool,
  target: Target,
  log: (line: string) => void,
): Promise<TargetResult> {
  const result: TargetResult = { kind: target.kind, label: target.label, errors: [] };
  const context: WorkloadContext = {
    options,
    pool,
    target,
    log: (line) => log(`${target.label}: ${line}`),
  };
  for (const workload of options.workloads) {
    try {
      const outcome = await RUNNERS[workload](context);
      Object.assign(result, { [workload]: outcome });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      context.log(`${workload} failed: ${message}`);
      result.errors.push({ workload, message });
      await pool.disconnect().catch(() => undefined);
    }
  }
  return result;
}
