/** The parts of a V8 `.cpuprofile` the summaries read. */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * The profile cut down to its busiest `windowMs` (the most time not idle), so that a workload
 * of a second or two is not drowned by start-up and provisioning. With `after`, only what comes
 * after the last sample taken inside a function of that name counts (the Tidings target's
 * `provision`, which writes a workload's users and notes before it runs).
 */
export function busiestWindow(profile: CpuProfile, windowMs: number, after?: string): CpuProfile {
  const { nodes, samples, timeDeltas } = profile;
  const names = new Map(nodes.map((node) => [node.id, node.callFrame.functionName]));
  const parents = new Map<number, number>();
  for (const node of nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const inside = (id: number, name: string) => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      if (names.get(at) === name) return true;
    }
    return false;
  };
  let first = 0;
  if (after) samples.forEach((id, index) => inside(id, after) && (first = index + 1));
  const busy = (index: number) =>
    names.get(samples[index]!) === '(idle)' ? 0 : timeDeltas[index]!;
  const windowMicros = windowMs * 1000;
  let best = { busy: -1, from: first, to: first };
  let from = first;
  let span = 0;
  let busyInWindow = 0;
  for (let to = first; to < samples.length; to += 1) {
    span += timeDeltas[to]!;
    busyInWindow += busy(to);
    while (span > windowMicros && from < to) {
      span -= timeDeltas[from]!;
      busyInWindow -= busy(from);
      from += 1;
    }
    if (busyInWindow > best.busy) best = { busy: busyInWindow, from, to: to + 1 };
  }
  return {
    nodes,
    samples: samples.slice(best.from, best.to),
    timeDeltas: timeDeltas.slice(best.from, best.to),
  };
}
