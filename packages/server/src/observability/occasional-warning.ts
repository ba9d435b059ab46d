import type { Logger } from 'pino';

/**
 * A warning for something that can happen thousands of times a second (connections refused
 * under a flood): logged at most once per `intervalMs`, with how many times it happened in all,
 * so the log says it is happening without becoming the flood.
 */
export function occasionalWarning(
  log: Pick<Logger, 'warn'>,
  message: string,
  intervalMs = 60_000,
): (fields?: Record<string, unknown>) => void {
  let count = 0;
  let lastAt = -Infinity;
  return (fields = {}) => {
    count += 1;
    const now = performance.now();
    if (now - lastAt < intervalMs) return;
    lastAt = now;
    log.warn({ ...fields, count }, message);
  };
}
