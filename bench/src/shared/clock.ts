/**
 * Milliseconds on CLOCK_MONOTONIC, which every process on the machine shares: a timestamp taken
 * by a publisher in one process can be subtracted from the clock of a receiver in another.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
