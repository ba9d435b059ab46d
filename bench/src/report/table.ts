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

function format(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

function ratio(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : `${value.toFixed(2)}x`;
}

/** One metric of the run: each target's figure and each Tidings ÷ baseline ratio. */
export interface SummaryRow {
  metric: string;
  better: 'higher' | 'lower';
  values: Record<string, number | null>;
  /** Keyed `<tidings kind>/<baseline kind>`, e.g. `tidings/socketio`. */
  ratios: Record<string, number | null>;
}

/** The figures of the table, for the JSON file (null where a target has no figure). */
export function summarise(run: BenchRun): SummaryRow[] {
  const { baselines, ours } = split(run);
  const summary: SummaryRow[] = [];
  for (const row of rows(run)) {
    const values = Object.fromEntries(run.targets.map((t) => [t.kind, row.value(t) ?? null]));
    if (Object.values(values).every((v) => v === null)) continue;
    const ratios: Record<string, number | null> = {};
    for (const o of ours) {
      for (const b of baselines) {
        ratios[`${o.kind}/${b.kind}`] = ratioOf(row.value(o), row.value(b));
      }
    }
    summary.push({ metric: row.metric, better: row.better, values, ratios });
  }
  return summary;
}

/** Tidings' figure ÷ a baseline's, to two decimals as printed; null without both figures. */
export function ratioOf(mine: number | undefined, theirs: number | undefined): number | null {
  if (mine === undefined || theirs === undefined || theirs === 0) return null;
  return Math.round((mine / theirs) * 100) / 100;
}

function split(run: BenchRun) {
  return {
    baselines: run.targets.filter((t) => t.kind === 'ws' || t.kind === 'socketio'),
    ours: run.targets.filter((t) => t.kind === 'tidings' || t.kind === 'tidings-pg'),
  };
}

/**
 * One Markdown table: each target's figure, then each Tidings column divided by raw ws and by
 * Socket.IO (the ratios are the result; absolute numbers on a shared machine are noise).
 */
export function renderTable(run: BenchRun): string {
  const { baselines, ours } = split(run);
  const pairs = ours.flatMap((o) => baselines.map((b) => ({ ours: o, base: b })));
  const header = [
    'metric',
    'better',
    ...run.targets.map((t) => t.label),
    ...pairs.map((c) => `${c.ours.label} ÷ ${c.base.label}`),
  ];
  const lines = [header, header.map(() => '---')];
  for (const row of summarise(run)) {
    lines.push([
      row.metric,
      row.better,
      ...run.targets.map((t) => format(row.values[t.kind])),
      ...pairs.map((c) => ratio(row.ratios[`${c.ours.kind}/${c.base.kind}`])),
    ]);
  }
  const table = lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n');
  const errors = run.targets.flatMap((t) =>
    t.errors.map((e) => `- ${t.label} ${e.workload}: ${e.message.split('\n')[0]}`),
  );
  return errors.length ? `${table}\n\nFailed:\n${errors.join('\n')}` : table;
}
