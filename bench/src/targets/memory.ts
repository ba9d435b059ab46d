import type { MemorySample } from '../shared/types';

/**
 * The target's own memory after full garbage collection (the process runs with --expose-gc), so
 * what remains is what live connections really hold, not garbage waiting for the next cycle.
 */
export async function measureMemory(): Promise<MemorySample> {
  const collect = globalThis.gc;
  if (!collect) throw new Error('start the target with --expose-gc');
  for (let round = 0; round < 3; round += 1) {
    collect();
    // Let finalizers and weak callbacks run between rounds.
    await new Promise((resolve) => setImmediate(resolve));
  }
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
  };
}
