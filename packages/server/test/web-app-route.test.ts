import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerErrorHandling } from '../src/http/error-handler';
import { registerHealthRoutes } from '../src/http/health-routes';
import { registerSecurityHeaders } from '../src/http/security-headers';
import { registerWebApp } from '../src/http/web-app-route';

/** A fake build: what `vite build` writes, including files named like server routes. */
function fakeBuild(): string {
  const root = mkdtempSync(join(tmpdir(), 'tidings-web-'));
  mkdirSync(join(root, 'assets'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tidings</title>');
  writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
  return root;
}

describe('the web app at /', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = Fastify();
    registerErrorHandling(app);
    registerSecurityHeaders(app);
    registerHealthRoutes(app, {
      store: { ping: async () => true } as never,
      hub: { status: () => 'ok' } as never,
      limits: { status: () => 'ok' } as never,
    });
    app.get('/api/ping', async () => ({ pong: true }));
    await registerWebApp(app, fakeBuild());
    await app.ready();
  });
  afterAll(() => app.close());

  it('serves index.html at / with a strict CSP, revalidated on every load', async () => {
    const response = await app.inject('/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toContain('<title>Tidings</title>');
    expect(response.headers['content-security-policy']).toContain("script-src 'self'");
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['cache-control']).toBe('no-cache');
  });

  it('serves fingerprinted assets as immutable', async () => {
    const response = await app.inject('/assets/index-abc123.js');
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toContain('immutable');
  });

  it('does not shadow the API, health routes or the JSON 404', async () => {
    expect((await app.inject('/api/ping')).json()).toEqual({ pong: true });
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const missing = await app.inject('/api/nothing-here');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    expect((await app.inject('/no-such-page')).json()).toMatchObject({
      error: { code: 'NOT_FOUND' },
    });
    expect((await app.inject('/api/ping')).headers['content-security-policy']).toBeUndefined();
  });

  it('registers nothing when there is no build', async () => {
    const bare = Fastify();
    registerErrorHandling(bare);
    await registerWebApp(bare, join(tmpdir(), 'no-such-build'));
    expect((await bare.inject('/')).statusCode).toBe(404);
    await bare.close();
  });
});
