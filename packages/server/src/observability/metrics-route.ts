import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app';
import { AppError } from '../errors';

function sameSecret(received: string, expected: string): boolean {
  // Hashing first gives equal-length buffers, so timingSafeEqual also hides the length.
  const a = createHash('sha256').update(received).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Loopback by the socket's own address, never by X-Forwarded-For; and a request that came
 * through a proxy (forwarding headers) is not local even when the proxy runs on this host.
 */
function isLocalRequest(request: FastifyRequest): boolean {
  const address = request.raw.socket.remoteAddress ?? '';
  const proxied =
    request.headers['x-forwarded-for'] !== undefined || request.headers.forwarded !== undefined;
  return LOOPBACK.test(address) && !proxied;
}

function authorize(request: FastifyRequest, adminToken: string | undefined): void {
  if (adminToken === undefined) {
    if (isLocalRequest(request)) return;
    throw new AppError(
      'FORBIDDEN',
      'Metrics are served only to local requests unless ADMIN_TOKEN is set; then send Authorization: Bearer <ADMIN_TOKEN>.',
    );
  }
  const header = request.headers.authorization ?? '';
  const token = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  if (token === '' || !sameSecret(token, adminToken)) {
    throw new AppError('UNAUTHENTICATED', 'Send Authorization: Bearer <ADMIN_TOKEN> for metrics.');
  }
}

/** `GET /metrics`: Prometheus text format, for the admin token or (without one) loopback only. */
export function registerMetricsRoute(
  app: FastifyInstance,
  context: Pick<AppContext, 'config' | 'metrics'>,
): void {
  app.get('/metrics', async (request, reply) => {
    authorize(request, context.config.adminToken);
    const { contentType, body } = await context.metrics.render();
    return reply.header('content-type', contentType).header('cache-control', 'no-store').send(body);
  });
}
