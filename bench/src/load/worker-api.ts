import type { HistogramData } from '../shared/histogram';
import type { ConnectionSpec, TargetKind } from '../shared/types';

/** What the coordinator can ask a load worker (see worker.ts). */
export type WorkerApi = {
  connect(params: ConnectParams): Promise<ConnectResult>;
  publish(params: PublishParams): Promise<PublishResult>;
  /** Deliveries counted so far (for the drain wait), without resetting. */
  received(): number;
  /** Resets the counters; from now on only payloads of `phase` count. */
  beginPhase(phase: number): void;
  /** Deliveries, latencies and anomalies since the last collect, and resets them. */
  collect(): ReceiveStats;
  disconnect(): Promise<number>;
  resume(params: ResumeParams): Promise<ResumeResult>;
};

export interface ConnectParams {
  kind: TargetKind;
  baseUrl: string;
  specs: ConnectionSpec[];
  /** Connections being opened at once by this worker. */
  concurrency: number;
}

export interface ConnectResult {
  opened: number;
  failed: number;
  /** The first few failure messages. */
  errors: string[];
  /** nowMs() when the first attempt started and the last one ended. */
  startedAt: number;
  finishedAt: number;
}

export interface PublishParams {
  /** Stamped on every message after warm-up (warm-up ones carry WARMUP_PHASE). */
  phase: number;
  /** Messages per second from each publisher connection of this worker. */
  ratePerRoom: number;
  warmupMs: number;
  durationMs: number;
  payloadBytes: number;
}

export interface PublishResult {
  /** Messages sent after warm-up, per room. */
  sent: Record<number, number>;
  firstSentAt: number | null;
  lastSentAt: number | null;
}

export interface ReceiveStats {
  received: Record<number, number>;
  histogram: HistogramData;
  firstReceivedAt: number | null;
  lastReceivedAt: number | null;
  /** Bodies that were not payloads of the connection's own room, and server errors. */
  unexpected: number;
  unexpectedSamples: string[];
  /** Connections that ended without the bench closing them. */
  lost: number;
}

export type ResumeMode = 'ws' | 'sse' | 'rest';

export interface ResumeParams {
  mode: ResumeMode;
  baseUrl: string;
  token: string;
  /** The change-log seq the client had before it went away. */
  fromSeq: number;
  /** How many changes (ws/sse) or notes (rest) there are to fetch. */
  expected: number;
  timeoutMs: number;
}

export interface ResumeResult {
  items: number;
  ms: number;
  bytes: number;
}
