import { readOpenFiles } from '../../packages/server/src/observability/open-file-limit';
import type { BenchOptions } from './options';

/**
 * Files a target holds besides its connections: the embedded database's relation files,
 * listeners, pipes to the bench. PGlite keeps about 130 open; the rest is margin.
 */
const FILES_BESIDES_CONNECTIONS = 256;

/** The most connections one target holds at once over the selected workloads. */
export function connectionsHeld(options: BenchOptions): number {
  const { rooms, subscribers, growth } = options;
  const held = options.workloads.map((workload) => {
    switch (workload) {
      case 'fanout':
      case 'saturation':
        return rooms * (subscribers + 1);
      case 'idle':
        return options.idle;
      case 'connect':
        return options.connect;
      case 'resume':
        return 1;
      case 'growth':
        // growth.ts: up to `rooms` rooms of subscribers plus a publisher each.
        return Math.max(0, ...growth.map((total) => total + Math.min(rooms, total)));
    }
  });
  return Math.max(0, ...held);
}

/**
 * Why the run cannot hold its connections, if it cannot. Past the open-file limit the kernel
 * refuses a target's accepts and libuv closes those connections at once: the run would fail
 * with "socket hang up" and no word of the cause. Targets and load workers inherit this
 * process' limit; undefined where the system does not tell it (not Linux).
 */
export function openFileShortfall(options: BenchOptions): string | undefined {
  const files = readOpenFiles();
  const connections = connectionsHeld(options);
  const needed = connections + FILES_BESIDES_CONNECTIONS;
  if (!files || files.soft >= needed) return undefined;
  return (
    `The open-file limit is ${files.soft}, and a target of this run needs about ${needed} ` +
    `(${connections} connections at once and its own files): raise it ` +
    `(ulimit -n ${needed}; the hard limit here is ${files.hard}) or run smaller sizes.`
  );
}
