import { describe, expect, it } from 'vitest';
import { DEFAULTS, SMOKE, type BenchOptions } from '../src/options';
import { renderTable } from '../src/report/table';
import { runBench } from '../src/run-bench';
import { LatencyHistogram } from '../src/shared/histogram';
import { decodePayload, encodePayload } from '../src/shared/payload';

/** Tiny sizes, two load-generator processes. */
function smokeOptions(
  targets: BenchOptions['targets'],
  workloads: BenchOptions['workloads'],
): BenchOptions {
  return { ...DEFAULTS, ...SMOKE, smoke: true, targets, workloads, workers: 2 };
}

/**
 * Keeps the harness from rotting: a tiny run against raw ws, and one against the real Tidings
 * server, must produce a well-formed result with every message delivered. No timing is
 * asserted; the numbers of a smoke run mean nothing.
 */
describe('bench harness', () => {
  it('runs fan-out, idle and connect against raw ws with zero loss', async () => {
    const options = smokeOptions(['ws'], ['fanout', 'idle', 'connect']);
    const run = await runBench(options, () => undefined);

    expect(run.targets).toHaveLength(1);
    const [ws] = run.targets;
    expect(ws!.errors).toEqual([]);
    const fanout = ws!.fanout!;
    expect(fanout.sent).toBeGreaterThan(0);
    expect(fanout.expected).toBe(fanout.sent * options.subscribers);
    expect(fanout.received).toBe(fanout.expected);
    expect(fanout.loss).toBe(0);
    expect(fanout.unexpected).toBe(0);
    expect(fanout.lostConnections).toBe(0);
    expect(fanout.latencyMs.p50).toBeGreaterThan(0);
    expect(fanout.latencyMs.p99).toBeGreaterThanOrEqual(fanout.latencyMs.p50);
    expect(fanout.latencyMs.max).toBeGreaterThanOrEqual(fanout.latencyMs.p99);
    expect(fanout.deliveriesPerSecond).toBeGreaterThan(0);
    expect(ws!.idle!.connections).toBe(options.idle);
    expect(ws!.connect!.connections).toBe(options.connect);
    expect(ws!.connect!.perSecond).toBeGreaterThan(0);

    const table = renderTable(run);
    expect(table).toContain('| metric | better | raw ws |');
    expect(table).toContain('deliveries/s');
    expect(JSON.parse(JSON.stringify(run))).toMatchObject({
      machine: { cpus: expect.any(Number) },
    });
  }, 90_000);

  it('runs fan-out and resume against the real Tidings server with zero loss', async () => {
    const options = smokeOptions(['tidings'], ['fanout', 'resume']);
    const run = await runBench(options, () => undefined);

    const [tidings] = run.targets;
    expect(tidings!.errors).toEqual([]);
    const fanout = tidings!.fanout!;
    expect(fanout.sent).toBeGreaterThan(0);
    expect(fanout.received).toBe(fanout.sent * options.subscribers);
    expect(fanout.loss).toBe(0);
    expect(fanout.unexpected).toBe(0);
    expect(fanout.lostConnections).toBe(0);
    const resume = tidings!.resume!;
    expect(resume.changes).toBe(options.resume);
    // Each way back catches up on everything: every change, or every note through REST.
    expect(resume.runs.ws?.items).toBe(resume.changes);
    expect(resume.runs.sse?.items).toBe(resume.changes);
    expect(resume.runs.rest?.items).toBe(resume.notes);
  }, 120_000);

  it('reads back what it encodes and ranks latencies', () => {
    const body = encodePayload({ room: 3, seq: 7, sentAt: 12.5, phase: 2 }, 'xx|yy');
    expect(decodePayload(body)).toEqual({ room: 3, seq: 7, sentAt: 12.5, phase: 2 });
    expect(decodePayload('{"type":"pong"}')).toBeNull();

    const histogram = new LatencyHistogram();
    for (let ms = 1; ms <= 100; ms += 1) histogram.record(ms);
    expect(histogram.percentile(50)).toBeCloseTo(50, -0.5);
    expect(histogram.percentile(99)).toBeCloseTo(99, -0.5);
    expect(histogram.percentile(100)).toBe(100);
    const merged = new LatencyHistogram();
    merged.merge(histogram.toJSON());
    merged.merge(histogram.toJSON());
    expect(merged.total).toBe(200);
    expect(merged.percentile(50)).toBe(histogram.percentile(50));
  });
});
