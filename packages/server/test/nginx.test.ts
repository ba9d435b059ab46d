import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBrowser } from './helpers/auth-client';
import { apiFor } from './helpers/api-client';
import { hasNginx, type Nginx, startNginx } from './helpers/nginx';
import { openSse } from './helpers/sse-client';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openAuthed, openWs, UpgradeRefused } from './helpers/ws-client';

describe.skipIf(!hasNginx)('behind nginx with the shipped configuration', () => {
  let server: TestServer;
  let nginx: Nginx;

  beforeAll(async () => {
    server = await startTestServer({
      // One trusted hop: the address nginx appends. (An address list would not do here: the
      // test client is on loopback too, so it would be trusted as if it were a proxy.)
      TRUST_PROXY: '1',
      LOGIN_MAX_FAILURES: '3',
      SSE_KEEPALIVE_MS: '60000',
    });
    nginx = await startNginx(Number(new URL(server.url).port));
  });
  afterAll(async () => {
    await nginx?.stop();
    await server?.close();
  });

  it('streams SSE events through the proxy as they happen (no buffering)', async () => {
    const user = await createTestUser(server);
    const stream = await openSse(`${nginx.url}/api/events`, user.headers);
    expect(stream.status).toBe(200);
    expect((await stream.next())?.event).toBe('ready');
    const proxied = apiFor({ ...server, url: nginx.url }, user.headers);
    await proxied('POST', '/api/notes', { title: 'Through nginx' });
    // One small event and a keep-alive a minute away: a buffering proxy would hold it back.
    const frame = await stream.next(3_000);
    stream.close();
    expect(frame).toMatchObject({ event: 'note_created_sync', id: '1' });
  });

  it('passes WebSocket upgrades and keeps the origin check', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(nginx.wsUrl, user.accessToken);
    client.send({ type: 'ping' });
    expect((await client.nextOfType('pong')).type).toBe('pong');
    client.close();

    const refused = await openWs(`${nginx.wsUrl}/ws`, {
      headers: { origin: 'http://127.0.0.1.evil.example' },
    }).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(UpgradeRefused);
    expect((refused as UpgradeRefused).status).toBe(403);
  });

  it('takes the client address from the proxy, so a spoofed X-Forwarded-For does not dodge throttling', async () => {
    const browser = new TestBrowser({ ...server, url: nginx.url });
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 4; attempt++) {
      // A new email each time, so only the per-address limit can apply.
      const response = await browser.send(
        'POST',
        '/api/auth/login',
        { email: `nobody-${randomUUID()}@example.test`, password: 'wrong password 1' },
        { headers: { 'x-forwarded-for': `203.0.113.${attempt + 1}` } },
      );
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});
