import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config';

/**
 * CORS for the exact origins of CORS_ORIGINS (plus the server's own): the request's Origin must
 * equal one of them, scheme, host and port, so no prefix, suffix or `null` origin ever matches.
 * Credentials are allowed, so the allowed origin is echoed, never `*`. Any other origin gets no
 * CORS headers (its preflight is a 404), and the browser keeps the response from the page.
 */
export async function registerCors(app: FastifyInstance, config: Config): Promise<void> {
  const allowed = new Set(config.corsOrigins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-CSRF-Token', 'Last-Event-ID'],
    exposedHeaders: ['Retry-After'],
    // Ten minutes: browsers cap it anyway (Chromium at two hours).
    maxAge: 600,
  });
}
