import type { FastifyBaseLogger } from 'fastify';
import type { MaintenanceReport } from './pglite-maintenance';

/**
 * Runs the store's maintenance every `intervalMs` until stopped, one pass at a time (a pass
 * still running when the next is due is not doubled). A failure is logged and tried again next
 * time. Stopping waits for a pass in flight, so the store can close right after.
 */
export function scheduleMaintenance(
  maintain: () => Promise<MaintenanceReport>,
  intervalMs: number,
  log: FastifyBaseLogger,
): () => Promise<void> {
  let running: Promise<void> | null = null;
  const pass = async () => {
    const started = performance.now();
    try {
      const report = await maintain();
      if (report.vacuumed.length > 0 || report.analyzed.length > 0) {
        const ms = Math.round(performance.now() - started);
        log.info({ ...report, ms }, 'embedded database maintenance');
      }
    } catch (error) {
      log.warn({ err: error }, 'embedded database maintenance failed');
    } finally {
      running = null;
    }
  };
  const timer = setInterval(() => {
    running ??= pass();
  }, intervalMs);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
