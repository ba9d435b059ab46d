/**
 * A Prometheus histogram with one label whose observations are plain array increments, for a
 * figure recorded on the hot path: the delivery latency is observed once per event per socket
 * (a hundred times per change in a room of a hundred), and prom-client's own Histogram hashes
 * its labels and validates them on every call (with the matching counter, 5-7% of the server's
 * CPU at saturation). The registry reads it like any metric: it has the `get()` prom-client's
 * Registry calls at scrape time, and writes the same series a prom-client Histogram would.
 */
export class TalliedHistogram<Label extends string> {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly tallies = new Map<Label, Tally>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelName: string,
    /** Upper bounds in ascending order; +Inf is implied. */
    private readonly bounds: readonly number[],
  ) {}

  /** Records one observation of `value` for `label`. */
  observe(label: Label, value: number): void {
    let tally = this.tallies.get(label);
    if (!tally) {
      tally = { buckets: new Array<number>(this.bounds.length + 1).fill(0), sum: 0, count: 0 };
      this.tallies.set(label, tally);
    }
    let index = 0;
    while (index < this.bounds.length && value > (this.bounds[index] as number)) index += 1;
    tally.buckets[index] = (tally.buckets[index] as number) + 1;
    tally.sum += value;
    tally.count += 1;
  }

  /** Forgets every observation (prom-client's Registry.resetMetrics calls this). */
  reset(): void {
    this.tallies.clear();
  }

  /** What prom-client's Registry renders: cumulative buckets, then sum and count, per label. */
  get(): Promise<HistogramExport> {
    const values: HistogramSample[] = [];
    for (const [label, tally] of this.tallies) {
      let cumulative = 0;
      this.bounds.forEach((bound, index) => {
        cumulative += tally.buckets[index] as number;
        values.push(this.sample('_bucket', { le: bound, [this.labelName]: label }, cumulative));
      });
      values.push(this.sample('_bucket', { le: '+Inf', [this.labelName]: label }, tally.count));
      values.push(this.sample('_sum', { [this.labelName]: label }, tally.sum));
      values.push(this.sample('_count', { [this.labelName]: label }, tally.count));
    }
    const { name, help, type, aggregator } = this;
    return Promise.resolve({ name, help, type, aggregator, values });
  }

  private sample(
    suffix: string,
    labels: Record<string, string | number>,
    value: number,
  ): HistogramSample {
    return { metricName: `${this.name}${suffix}`, labels, value };
  }
}

interface Tally {
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

interface HistogramSample {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

interface HistogramExport {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: HistogramSample[];
}
