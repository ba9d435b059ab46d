/**
 * Latencies in logarithmic buckets 1% wide: a few thousand counters hold any run, merge by adding,
 * and cross the IPC channel cheaply (a million raw samples would not).
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);

export interface HistogramData {
  /** counts[i] = samples whose microseconds fall in bucket i. */
  counts: number[];
  total: number;
  /** The exact largest sample, in ms. */
  max: number;
}

export class LatencyHistogram {
  private counts: number[] = [];
  total = 0;
  max = 0;

  record(latencyMs: number): void {
    const micros = Math.max(0, latencyMs * 1000);
    const index = Math.floor(Math.log1p(micros) / LOG_GROWTH);
    while (this.counts.length <= index) this.counts.push(0);
    this.counts[index]! += 1;
    this.total += 1;
    if (latencyMs > this.max) this.max = latencyMs;
  }

  merge(data: HistogramData): void {
    while (this.counts.length < data.counts.length) this.counts.push(0);
    data.counts.forEach((count, index) => {
      this.counts[index]! += count;
    });
    this.total += data.total;
    if (data.max > this.max) this.max = data.max;
  }

  /** The upper edge of the bucket holding the p-th percentile (0-100), in ms; 0 when empty. */
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let index = 0; index < this.counts.length; index += 1) {
      seen += this.counts[index]!;
      if (seen >= rank) return Math.min(this.max, Math.expm1((index + 1) * LOG_GROWTH) / 1000);
    }
    return this.max;
  }

  toJSON(): HistogramData {
    return { counts: [...this.counts], total: this.total, max: this.max };
  }
}
