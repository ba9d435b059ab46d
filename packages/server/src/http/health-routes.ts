import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../app';

/**
 * Liveness says the process answers. Readiness says the database answers (503 otherwise) and
 * reports the bus: `degraded` while Redis is unreachable, when this instance still serves its own
 * connections but not other instances' events (they catch up once it is back).
 */
export function registerHealthRoutes(
  app: FastifyInstance,
  context: Pick<AppContext, 'store' | 'hub'>,
): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const database = await context.store.ping();
    const bus = context.hub.status();
    const status = !database ? 'unavailable' : bus === 'ok' ? 'ready' : 'degraded';
    return reply.status(database ? 200 : 503).send({ status, checks: { database, bus } });
  });
}
