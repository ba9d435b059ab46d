import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app';

/**
 * Liveness says the process answers. Readiness says the database answers (503 otherwise) and
 * reports Redis: `degraded` while the bus or the shared limits cannot reach it, when this
 * instance still serves its own connections but not other instances' events (they catch up once
 * it is back) and counts limits for itself only.
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  context: Pick<AppContext, 'store' | 'hub' | 'limits'>,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const database = await context.store.ping();
    const bus = context.hub.status();
    const limits = context.limits.status();
    const healthy = bus === 'ok' && limits === 'ok';
    const status = !database ? 'unavailable' : healthy ? 'ready' : 'degraded';
    return reply.status(database ? 200 : 503).send({ status, checks: { database, bus, limits } });
  });
}
