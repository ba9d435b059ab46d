import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors';

/**
 * While the server drains, a request that still reaches it is answered with the registered
 * `503 SHUTTING_DOWN` envelope (Fastify's own 503 would not be) and its connection closed, so
 * the client retries on another instance. Requests already running finish normally.
 */
export function registerShutdownGuard(app: FastifyInstance): { begin(): void } {
  let draining = false;
  app.addHook('onRequest', async (_request, reply) => {
    if (!draining) return;
    reply.header('connection', 'close');
    throw new AppError('SHUTTING_DOWN');
  });
  return {
    begin() {
      draining = true;
    },
  };
}
