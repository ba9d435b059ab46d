import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiFor } from './helpers/api-client';
import { signUp } from './helpers/auth-client';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openAuthed, openWs } from './helpers/ws-client';

interface Status {
  status: string;
  connections: {
    total: number;
    authenticated: number;
    perUser?: { userId: string; deviceCount: number }[];
  };
  uptime: number;
}

describe('WebSocket status, logout and shutdown', () => {
  const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ ADMIN_TOKEN });
  });
  afterAll(() => server.close());

  async function status(headers: Record<string, string> = {}): Promise<Status> {
    const response = await fetch(`${server.url}/websocket/status`, { headers });
    expect(response.status).toBe(200);
    return (await response.json()) as Status;
  }

  it('reports counts publicly and the per-user breakdown only to the admin token', async () => {
    const user = await createTestUser(server);
    const a = await openAuthed(server.wsUrl, user.accessToken);
    const b = await openAuthed(server.wsUrl, user.accessToken);
    const anonymous = await openWs(`${server.wsUrl}/ws`, { expectAuth: false });

    const open = await status();
    expect(open).toMatchObject({ status: 'healthy', connections: { total: 3, authenticated: 2 } });
    expect(typeof open.uptime).toBe('number');
    expect(open.connections).not.toHaveProperty('perUser');
    for (const authorization of [
      `Bearer ${ADMIN_TOKEN}x`,
      'Bearer wrong',
      user.headers.authorization!,
    ]) {
      expect((await status({ authorization })).connections).not.toHaveProperty('perUser');
    }
    const admin = await status({ authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(admin.connections.perUser).toEqual([{ userId: user.userId, deviceCount: 2 }]);
    const metrics = await (
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
    ).text();
    expect(metrics).toMatch(/^tidings_ws_connections 3$/m);
    expect(metrics).toMatch(/^tidings_ws_connections_authenticated 2$/m);
    for (const client of [a, b, anonymous]) client.close();
  });

  it('closes the live sockets of a session when it logs out', async () => {
    const { accessToken, refreshToken } = await signUp(server, { delivery: 'body' });
    const socket = await openAuthed(server.wsUrl, accessToken);
    const api = apiFor(server, { authorization: `Bearer ${accessToken}` });
    expect((await api('POST', '/api/auth/logout', { refreshToken })).status).toBe(204);
    expect(await socket.closed).toEqual({ code: 1008, reason: 'session-revoked' });
    // The same token cannot open a new socket.
    const again = await openWs(`${server.wsUrl}/ws`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await again.next();
    expect(await again.next()).toMatchObject({ type: 'auth_failed', code: 'SESSION_REVOKED' });
  });

  it('ignores upgrades on other paths', async () => {
    const refused = await openWs(`${server.wsUrl}/elsewhere`).catch((error: unknown) => error);
    expect(refused).toMatchObject({ status: 404 });
  });
});

describe('WebSocket shutdown', () => {
  it('closes every socket with 1001 server-shutdown when the app closes', async () => {
    const server = await startTestServer();
    const user = await createTestUser(server);
    const authed = await openAuthed(server.wsUrl, user.accessToken);
    const anonymous = await openWs(`${server.wsUrl}/ws`, { expectAuth: false });
    await server.close();
    expect(await authed.closed).toEqual({ code: 1001, reason: 'server-shutdown' });
    expect(await anonymous.closed).toEqual({ code: 1001, reason: 'server-shutdown' });
  });
});
