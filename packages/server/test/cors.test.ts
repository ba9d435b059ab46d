import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from './helpers/auth-client';
import { startTestServer, type TestServer } from './helpers/test-server';

const ALLOWED = 'https://app.example.test';

/** Origins that only look like the allowed one: prefix, suffix, scheme, port, case, null. */
const LOOK_ALIKES = [
  'https://app.example.test.evil.test',
  'https://evil-app.example.test',
  'https://evilapp.example.test',
  'https://app.example.tes',
  'http://app.example.test',
  'https://app.example.test:8443',
  'https://APP.example.test',
  'https://app.example.test/',
  'null',
];

function preflight(server: TestServer, origin: string): Promise<Response> {
  return fetch(`${server.url}/api/auth/login`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,x-csrf-token',
    },
  });
}

describe('CORS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: ALLOWED });
  });
  afterAll(() => server.close());

  it('answers the preflight of an allowed origin, echoing it with credentials', async () => {
    const response = await preflight(server, ALLOWED);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    const allowedHeaders = (response.headers.get('access-control-allow-headers') ?? '')
      .toLowerCase()
      .split(/,\s*/);
    for (const header of ['authorization', 'content-type', 'x-csrf-token', 'last-event-id']) {
      expect(allowedHeaders).toContain(header);
    }
    expect(response.headers.get('access-control-allow-methods')).toContain('PATCH');
    expect(response.headers.get('vary')).toMatch(/origin/i);
  });

  it('echoes an allowed origin on actual requests, never `*`', async () => {
    for (const origin of [ALLOWED, server.config.publicOrigin]) {
      const response = await fetch(`${server.url}/api/csrf-token`, { headers: { origin } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-allow-credentials')).toBe('true');
      expect(response.headers.get('access-control-expose-headers')).toMatch(/retry-after/i);
    }
  });

  it('gives look-alike origins no CORS headers and refuses their writes', async () => {
    const browser = new TestBrowser(server);
    await browser.fetchCsrfToken();
    for (const origin of LOOK_ALIKES) {
      const pre = await preflight(server, origin);
      expect(pre.status, origin).toBe(404);
      expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
      const read = await fetch(`${server.url}/api/csrf-token`, { headers: { origin } });
      expect(read.headers.get('access-control-allow-origin'), origin).toBeNull();
      const write = await browser.send<{ error: { code: string } }>(
        'POST',
        '/api/auth/login',
        { email: 'a@example.test', password: 'whatever password' },
        { headers: { origin } },
      );
      expect(write.status, origin).toBe(403);
      expect(write.body.error.code).toBe('ORIGIN_FORBIDDEN');
    }
  });

  it('adds no CORS headers to requests without an Origin', async () => {
    const response = await fetch(`${server.url}/api/csrf-token`);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });
});
