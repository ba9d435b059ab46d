import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/database';

/** Liveness says the process answers; readiness says the database does too. */
export function registerHealthRoutes(app: FastifyInstance, store: Store): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const database = await store.ping();
    return reply
      .status(database ? 200 : 503)
      .send({ status: database ? 'ready' : 'unavailable', checks: { database } });
  });
}
