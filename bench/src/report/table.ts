import type { BenchRun, TargetResult } from './run-result';

interface Row {
  metric: string;
  /** Which way is better, so a reader knows whether a ratio above 1 is a win. */
  better: 'higher' | 'lower';
  value(target: TargetResult): number | undefined;
}

const KIB = 1024;

function rows(run: BenchRun): Row[] {
  const { options } = run;
  const list: Row[] = [
    {
      metric: `fan-out ${options.rooms}x${options.subscribers} @ ${options.rate} msg/s: deliveries/s`,
      better: 'higher',
      value: (t) => t.fanout?.deliveriesPerSecond,
    },
    ...(['p50', 'p90', 'p99', 'max'] as const).map((p): Row => ({
      metric: `fan-out latency ${p} (ms)`,
      better: 'lower',
      value: (t) => t.fanout?.latencyMs[p],
    })),
    { metric: 'fan-out lost deliveries', better: 'lower', value: (t) => t.fanout?.loss },
    {
      metric: `saturation: deliveries/s with p99 < ${options.p99LimitMs} ms`,
      better: 'higher',
      value: (t) => t.saturation?.bestDeliveriesPerSecond,
    },
    {
      metric: `idle ${options.idle}: RSS per connection (KiB)`,
      better: 'lower',
      value: (t) => kib(t.idle?.perConnection.rssBytes),
    },
    {
      metric: `idle ${options.idle}: heap per connection (KiB)`,
      better: 'lower',
      value: (t) => kib(t.idle?.perConnection.heapBytes),
    },
    {
      metric: `connect ${options.connect} (with auth for Tidings): connections/s`,
      better: 'higher',
      value: (t) => t.connect?.perSecond,
    },
    {
      metric: `resume ${options.resume} changes over WebSocket (ms)`,
      better: 'lower',
      value: (t) => t.resume?.ms.ws,
    },
    {
      metric: `resume ${options.resume} changes over SSE (ms)`,
      better: 'lower',
      value: (t) => t.resume?.ms.sse,
    },
    {
      metric: `re-fetch the same notes over REST (ms)`,
      better: 'lower',
      value: (t) => t.resume?.ms.rest,
    },
  ];
  options.growth.forEach((size, index) => {
    list.push(
      {
        metric: `growth ${size} subscribers: deliveries/s`,
        better: 'higher',
        value: (t) => t.growth?.[index]?.deliveriesPerSecond,
      },
      {
        metric: `growth ${size} subscribers: p99 (ms)`,
        better: 'lower',
        value: (t) => t.growth?.[index]?.latencyMs.p99,
      },
      {
        metric: `growth ${size} subscribers: RSS per connection (KiB)`,
        better: 'lower',
        value: (t) => kib(t.growth?.[index]?.memoryPerConnection.rssBytes),
      },
    );
  });
  return list;
}

function kib(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : Math.round((bytes / KIB) * 100) / 100;
}

function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function ratio(ours: number | undefined, theirs: number | undefined): string {
  if (ours === undefined || theirs === undefined || theirs === 0) return 'n/a';
  return `${(ours / theirs).toFixed(2)}x`;
}

/**
 * One Markdown table: each target's figure, then each Tidings column divided by raw ws and by
 * Socket.IO (the ratios are the result; absolute numbers on a shared machine are noise).
 */
export function renderTable(run: BenchRun): string {
  const targets = run.targets;
  const baselines = targets.filter((t) => t.kind === 'ws' || t.kind === 'socketio');
  const ours = targets.filter((t) => t.kind === 'tidings' || t.kind === 'tidings-pg');
  const ratioColumns = ours.flatMap((o) => baselines.map((b) => ({ ours: o, base: b })));
  const header = [
    'metric',
    'better',
    ...targets.map((t) => t.label),
    ...ratioColumns.map((c) => `${c.ours.label} ÷ ${c.base.label}`),
  ];
  const lines = [header, header.map(() => '---')];
  for (const row of rows(run)) {
    const values = targets.map((t) => row.value(t));
    if (values.every((v) => v === undefined)) continue;
    lines.push([
      row.metric,
      row.better,
      ...values.map(format),
      ...ratioColumns.map((c) => ratio(row.value(c.ours), row.value(c.base))),
    ]);
  }
  const table = lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const errors = targets.flatMap((t) =>
    t.errors.map((e) => `- ${t.label} ${e.workload}: ${e.message.split('\n')[0]}`),
  );
  return errors.length ? `${table}\n\nFailed:\n${errors.join('\n')}` : table;
}
