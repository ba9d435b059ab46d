import type { WorkerPool } from '../load/worker-pool';
import type { BenchOptions } from '../options';
import type { Target } from '../targets/target-process';

/** What every workload gets: the run's options, the load workers and the target under test. */
export interface WorkloadContext {
  options: BenchOptions;
  pool: WorkerPool;
  target: Target;
  log(message: string): void;
}

/** Opens `count` connections and fails loudly if any could not be opened. */
export async function openAll(
  context: WorkloadContext,
  specs: Parameters<WorkerPool['connect']>[2],
  concurrency = context.options.concurrency,
) {
  const summary = await context.pool.connect(
    context.target.kind,
    context.target.baseUrl,
    specs,
    concurrency,
  );
  if (summary.failed > 0) {
    await context.pool.disconnect();
    throw new Error(
      `${summary.failed} of ${specs.length} connections failed: ${summary.errors.join('; ')}`,
    );
  }
  return summary;
}

export function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
