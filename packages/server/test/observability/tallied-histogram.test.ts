import { Histogram, type Metric, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TalliedHistogram } from '../../src/observability/tallied-histogram';

const BOUNDS = [0.005, 0.01, 0.1, 1];

async function render(metric: Metric): Promise<string> {
  const registry = new Registry();
  registry.registerMetric(metric);
  return registry.metrics();
}

describe('TalliedHistogram', () => {
  it('renders exactly what a prom-client Histogram renders for the same observations', async () => {
    const reference = new Histogram({
      name: 'delivery_seconds',
      help: 'Delivery latency.',
      labelNames: ['transport'] as const,
      buckets: BOUNDS,
      registers: [],
    });
    const tallied = new TalliedHistogram<'ws' | 'sse'>(
      'delivery_seconds',
      'Delivery latency.',
      'transport',
      BOUNDS,
    );
    // On a bound, between bounds, past the last one, and zero.
    const observations: ['ws' | 'sse', number][] = [
      ['ws', 0],
      ['ws', 0.005],
      ['ws', 0.0051],
      ['sse', 0.5],
      ['ws', 1],
      ['ws', 7.25],
      ['sse', 0.01],
    ];
    for (const [transport, value] of observations) {
      reference.observe({ transport }, value);
      tallied.observe(transport, value);
    }
    expect(await render(tallied as unknown as Metric)).toBe(await render(reference));
  });

  it('writes no series for a label never observed, nor after a reset', async () => {
    const histogram = new TalliedHistogram<'ws'>('x_seconds', 'x', 'transport', BOUNDS);
    expect(await render(histogram as unknown as Metric)).not.toContain('x_seconds_count');
    histogram.observe('ws', 0.02);
    const registry = new Registry();
    registry.registerMetric(histogram as unknown as Metric);
    expect(await registry.metrics()).toContain('x_seconds_count{transport="ws"} 1');
    registry.resetMetrics();
    expect(await registry.metrics()).not.toContain('x_seconds_count');
  });
});
