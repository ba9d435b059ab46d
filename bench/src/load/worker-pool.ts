import { fileURLToPath } from 'node:url';
import { LatencyHistogram } from '../shared/histogram';
import { forkRpc, type RpcClient } from '../shared/rpc';
import type { ConnectionSpec, TargetKind } from '../shared/types';
import type { PublishParams, ResumeParams, ResumeResult, WorkerApi } from './worker-api';

const WORKER_MODULE = fileURLToPath(new URL('./worker.ts', import.meta.url));

export interface ConnectSummary {
  opened: number;
  failed: number;
  errors: string[];
  /** From the first attempt in any worker to the last one ending. */
  seconds: number;
}

export interface PublishSummary {
  sent: Map<number, number>;
  firstSentAt: number | null;
}

export interface ReceiveSummary {
  received: Map<number, number>;
  total: number;
  histogram: LatencyHistogram;
  firstReceivedAt: number | null;
  lastReceivedAt: number | null;
  unexpected: number;
  unexpectedSamples: string[];
  lost: number;
}

/** The load-generator processes, driven together: each call fans out to every worker. */
export class WorkerPool {
  private constructor(private readonly workers: RpcClient<WorkerApi>[]) {}

  static async start(count: number): Promise<WorkerPool> {
    const workers = await Promise.all(
      Array.from({ length: Math.max(1, count) }, () => forkRpc<WorkerApi>(WORKER_MODULE)),
    );
    return new WorkerPool(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Deals the connections round-robin and opens them; `concurrency` is for all workers. */
  async connect(
    kind: TargetKind,
    baseUrl: string,
    specs: ConnectionSpec[],
    concurrency: number,
  ): Promise<ConnectSummary> {
    const shares = this.workers.map((): ConnectionSpec[] => []);
    specs.forEach((spec, index) => shares[index % shares.length]!.push(spec));
    const perWorker = Math.max(1, Math.ceil(concurrency / this.workers.length));
    const results = await Promise.all(
      this.workers.map((worker, index) =>
        worker.call(
          'connect',
          { kind, baseUrl, specs: shares[index]!, concurrency: perWorker },
          600_000,
        ),
      ),
    );
    const startedAt = Math.min(...results.map((r) => r.startedAt));
    const finishedAt = Math.max(...results.map((r) => r.finishedAt));
    return {
      opened: sum(results.map((r) => r.opened)),
      failed: sum(results.map((r) => r.failed)),
      errors: results.flatMap((r) => r.errors).slice(0, 5),
      seconds: (finishedAt - startedAt) / 1000,
    };
  }

  async publish(params: PublishParams): Promise<PublishSummary> {
    const timeout = params.warmupMs + params.durationMs + 30_000;
    const results = await Promise.all(this.workers.map((w) => w.call('publish', params, timeout)));
    const sent = new Map<number, number>();
    for (const result of results) {
      for (const [room, count] of Object.entries(result.sent)) {
        sent.set(Number(room), (sent.get(Number(room)) ?? 0) + count);
      }
    }
    const firsts = results.map((r) => r.firstSentAt).filter((t): t is number => t !== null);
    return { sent, firstSentAt: firsts.length ? Math.min(...firsts) : null };
  }

  async received(): Promise<number> {
    return sum(await Promise.all(this.workers.map((w) => w.call('received', undefined))));
  }

  /** Starts a new measurement: counters reset, and late arrivals of earlier phases are ignored. */
  async beginPhase(phase: number): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call('beginPhase', phase)));
  }

  async collect(): Promise<ReceiveSummary> {
    const results = await Promise.all(this.workers.map((w) => w.call('collect', undefined)));
    const summary: ReceiveSummary = {
      received: new Map(),
      total: 0,
      histogram: new LatencyHistogram(),
      firstReceivedAt: null,
      lastReceivedAt: null,
      unexpected: 0,
      unexpectedSamples: [],
      lost: 0,
    };
    for (const result of results) {
      for (const [room, count] of Object.entries(result.received)) {
        summary.received.set(Number(room), (summary.received.get(Number(room)) ?? 0) + count);
        summary.total += count;
      }
      summary.histogram.merge(result.histogram);
      summary.firstReceivedAt = minOf(summary.firstReceivedAt, result.firstReceivedAt);
      summary.lastReceivedAt = maxOf(summary.lastReceivedAt, result.lastReceivedAt);
      summary.unexpected += result.unexpected;
      summary.unexpectedSamples.push(...result.unexpectedSamples);
      summary.lost += result.lost;
    }
    summary.unexpectedSamples = summary.unexpectedSamples.slice(0, 5);
    return summary;
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.call('disconnect', undefined, 120_000)));
  }

  /** One client: it runs in the first worker. */
  resume(params: ResumeParams): Promise<ResumeResult> {
    return this.workers[0]!.call('resume', params, params.timeoutMs + 5_000);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.exit()));
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function minOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.min(a, b);
}

function maxOf(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  return b === null ? a : Math.max(a, b);
}
