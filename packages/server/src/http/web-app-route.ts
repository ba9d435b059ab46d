import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** apps/web/dist, where `vite build` puts the web app. */
export const DEFAULT_WEB_APP_ROOT = fileURLToPath(
  new URL('../../../../apps/web/dist/', import.meta.url),
);

/**
 * The app's own files only: no inline script, no other origin. `connect-src 'self'` covers the
 * same-origin WebSocket in current browsers; the ws:/wss: fallbacks are for older ones.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/**
 * Serves the built web app at `/`, same origin as the API, so cookies, CSRF and WebSockets need
 * no CORS. Only the files present at start get routes (`wildcard: false`): nothing here can
 * shadow /api, /ws, /healthz, /readyz or /websocket, and unknown paths keep the JSON 404.
 * Without a build (API-only deployments, server tests) it registers nothing.
 */
export async function registerWebApp(
  app: FastifyInstance,
  root: string = DEFAULT_WEB_APP_ROOT,
): Promise<void> {
  if (!existsSync(`${root}/index.html`)) {
    app.log.info({ root }, 'no web app build found; serving the API only (npm run build:web)');
    return;
  }
  await app.register(async function webApp(scope) {
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
      // Vite fingerprints everything under assets/: cache it for good. index.html must
      // always be revalidated so a deploy is picked up on the next load. (@fastify/static 10
      // passes the Fastify reply here, not the raw response.)
      setHeaders(reply, filePath) {
        reply.header(
          'cache-control',
          filePath.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
    scope.addHook('onSend', async (_request, reply) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
    });
  });
}
