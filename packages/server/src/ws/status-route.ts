import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { bearerToken } from '../auth/principal';
import type { Config } from '../config/config';
import type { ClusterCensus } from '../observability/cluster-census';
import type { ConnectionRegistry } from './connection-registry';

const startedAt = Date.now();

/**
 * `GET /websocket/status`: counts for monitoring. The per-user breakdown (who is connected) is
 * shown only with `Authorization: Bearer <ADMIN_TOKEN>`, never publicly.
 */
export function registerWebSocketStatusRoute(
  http: FastifyInstance,
  config: Pick<Config, 'adminToken'>,
  registry: ConnectionRegistry,
  census: ClusterCensus,
): void {
  http.get('/websocket/status', async (request) => {
    const cluster = await census.cluster();
    const body = {
      status: 'healthy',
      connections: registry.counts(),
      /** Every instance together (through Redis); `complete: false` when only this one counts. */
      cluster: {
        instances: cluster.instances,
        connections: { total: cluster.wsConnections, authenticated: cluster.wsAuthenticated },
        sseStreams: cluster.sseStreams,
        complete: cluster.complete,
      },
      /** Seconds since the process started. */
      uptime: Math.floor((Date.now() - startedAt) / 1000),
    };
    if (!isAdmin(bearerToken(request.headers.authorization), config.adminToken)) return body;
    return { ...body, connections: { ...body.connections, perUser: registry.perUser() } };
  });
}

/** Constant-time comparison of the presented token with ADMIN_TOKEN (unset: nobody is admin). */
function isAdmin(presented: string | undefined, adminToken: string | undefined): boolean {
  if (!adminToken || !presented) return false;
  // Hashing first gives equal lengths, so timingSafeEqual leaks neither content nor length.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(adminToken));
}
