import type { ResumeMode, ResumeResult } from '../load/worker-api';
import { round, type WorkloadContext } from './context';

export interface ResumeWorkloadResult {
  changes: number;
  notes: number;
  /** Milliseconds to catch up over each way; rest = re-fetching every note. */
  ms: Partial<Record<ResumeMode, number>>;
  runs: Partial<Record<ResumeMode, ResumeResult>>;
}

const MODES: ResumeMode[] = ['ws', 'sse', 'rest'];
const TIMEOUT_MS = 120_000;

/**
 * One client comes back after missing N changes (made straight in the database, each a new
 * note): catch-up over WebSocket `resume` and over SSE, against re-fetching all notes by REST.
 * Only Tidings has a change log; the other targets have nothing to resume from.
 */
export async function runResume(context: WorkloadContext): Promise<ResumeWorkloadResult | null> {
  const seed = context.target.seedChanges;
  if (!seed) return null;
  const seeded = await seed(context.options.resume);
  const result: ResumeWorkloadResult = {
    changes: seeded.changes,
    notes: seeded.notes,
    ms: {},
    runs: {},
  };
  for (const mode of MODES) {
    try {
      const run = await context.pool.resume({
        mode,
        baseUrl: context.target.baseUrl,
        token: seeded.token,
        fromSeq: seeded.fromSeq,
        expected: mode === 'rest' ? seeded.notes : seeded.changes,
        timeoutMs: TIMEOUT_MS,
      });
      result.runs[mode] = { ...run, ms: round(run.ms) };
      result.ms[mode] = round(run.ms);
      context.log(`resume over ${mode}: ${run.items} items in ${round(run.ms)} ms`);
    } catch (error) {
      context.log(`resume over ${mode} failed: ${error instanceof Error ? error.message : error}`);
    }
  }
  return result;
}
