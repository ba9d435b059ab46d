import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { TOKEN_EXPIRED_MESSAGE } from '@tidings/protocol';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../src/store/schema';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';
import { openAuthed, openWs, UpgradeRefused } from './helpers/ws-client';

describe('WebSocket handshake and authentication', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      WS_AUTH_TIMEOUT_MS: '300',
      CORS_ORIGINS: 'https://app.example.com',
    });
  });
  afterAll(() => server.close());

  const wsPath = () => `${server.wsUrl}/ws`;

  it('refuses a foreign, a look-alike and a null Origin with HTTP 403', async () => {
    const own = server.config.publicOrigin;
    for (const origin of [
      'https://evil.example',
      `${own}.evil.example`,
      `${own}0`,
      'https://app.example.com.evil.example',
      'http://app.example.com',
      'null',
    ]) {
      const refused = await openWs(wsPath(), { headers: { origin } }).catch((error) => error);
      expect(refused, origin).toBeInstanceOf(UpgradeRefused);
      expect((refused as UpgradeRefused).status).toBe(403);
    }
  });

  it('accepts its own origin, a listed origin and no Origin at all', async () => {
    const variants: Record<string, string>[] = [
      { origin: server.config.publicOrigin },
      { origin: 'https://app.example.com' },
      {},
    ];
    for (const headers of variants) {
      const client = await openWs(wsPath(), { headers });
      expect((await client.next()).type).toBe('connection_established');
      client.close();
    }
  });

  it('sends the upgrade response and the greeting in one write', async () => {
    // Counts the writes the server hands its end of each upgraded socket, from before the
    // gateway sees the upgrade until the client has both.
    const writes: string[] = [];
    const countWrites = (_request: IncomingMessage, socket: Socket) => {
      const writable = socket as unknown as Record<string, (...args: unknown[]) => void>;
      for (const method of ['_write', '_writev']) {
        const original = writable[method]!;
        writable[method] = function (this: unknown, ...args: unknown[]) {
          writes.push(method);
          original.apply(this, args);
        };
      }
    };
    const http = server.app.http.server;
    http.prependListener('upgrade', countWrites);
    try {
      for (const path of ['/ws', '/ws?batch=1']) {
        writes.length = 0;
        const client = await openWs(`${wsPath()}${path.slice(3)}`, { expectAuth: false });
        // openWs returns once connection_established has arrived.
        expect(client.received[0]?.type).toBe('connection_established');
        expect(writes, path).toEqual(['_writev']);
        client.close();
        await client.closed;
      }
    } finally {
      http.off('upgrade', countWrites);
    }
  });

  it('authenticates with the Bearer header at once', async () => {
    const user = await createTestUser(server);
    const client = await openWs(wsPath(), { headers: user.headers });
    expect((await client.next()).type).toBe('connection_established');
    const success = await client.next();
    expect(success).toMatchObject({ type: 'auth_success', userId: user.userId, seq: 0 });
    expect(success.sessionSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(success.sessionSecret).not.toContain(user.accessToken.slice(0, 16));
    expect(typeof success.expiresAt).toBe('number');
    client.close();
  });

  it('gives every connection its own random sessionSecret', async () => {
    const user = await createTestUser(server);
    const first = await openAuthed(server.wsUrl, user.accessToken);
    const second = await openAuthed(server.wsUrl, user.accessToken);
    expect(first.received[1]?.sessionSecret).not.toBe(second.received[1]?.sessionSecret);
    first.close();
    second.close();
  });

  it('authenticates with the access cookie', async () => {
    const user = await createTestUser(server);
    const client = await openWs(wsPath(), {
      headers: { cookie: `tidings_at=${user.accessToken}` },
      expectAuth: true,
    });
    client.close();
  });

  it('authenticates with the token query parameter', async () => {
    const user = await createTestUser(server);
    const client = await openWs(`${wsPath()}?token=${user.accessToken}`, { expectAuth: true });
    client.close();
  });

  it('authenticates with an auth message', async () => {
    const user = await createTestUser(server);
    const client = await openWs(wsPath(), { expectAuth: false });
    client.send({ type: 'auth', token: user.accessToken });
    expect(await client.next()).toMatchObject({ type: 'auth_success', userId: user.userId });
    client.close();
  });

  it('answers other messages before auth with UNAUTHENTICATED and processes nothing', async () => {
    const client = await openWs(wsPath(), { expectAuth: false });
    client.send({ type: 'ping' });
    expect(await client.next()).toMatchObject({ type: 'error', code: 'UNAUTHENTICATED' });
    client.send({
      type: 'note_created',
      noteData: { title: 'x' },
      clientMsgId: 'c1',
    });
    expect(await client.next()).toMatchObject({
      type: 'error',
      code: 'UNAUTHENTICATED',
      clientMsgId: 'c1',
    });
    client.close();
  });

  it('closes with 1008 auth-timeout when nobody authenticates', async () => {
    const client = await openWs(wsPath(), { expectAuth: false });
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth-timeout' });
  });

  it('refuses an invalid token with auth_failed and 1008 auth-failed', async () => {
    const client = await openWs(wsPath(), { headers: { authorization: 'Bearer nonsense' } });
    await client.next();
    expect(await client.next()).toMatchObject({
      type: 'auth_failed',
      reason: 'auth-failed',
      code: 'TOKEN_INVALID',
    });
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth-failed' });
  });

  it('refuses another spelling of a good token (a padded signature) as invalid', async () => {
    const user = await createTestUser(server);
    const client = await openWs(wsPath(), { expectAuth: false });
    client.send({ type: 'auth', token: `${user.accessToken}=` });
    expect(await client.next()).toMatchObject({ type: 'auth_failed', code: 'TOKEN_INVALID' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth-failed' });
  });

  it('refuses an expired token with the exact message and 1008 token-expired', async () => {
    const shortLived = await startTestServer({ JWT_EXPIRATION_MINUTES: '0.0001' });
    try {
      const user = await createTestUser(shortLived);
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      const client = await openWs(`${shortLived.wsUrl}/ws`, { expectAuth: false });
      client.send({ type: 'auth', token: user.accessToken });
      expect(await client.next()).toEqual({
        type: 'auth_failed',
        reason: 'token-expired',
        code: 'TOKEN_EXPIRED',
        message: TOKEN_EXPIRED_MESSAGE,
      });
      expect(TOKEN_EXPIRED_MESSAGE).toBe(
        'Authentication token has expired. Please refresh your token and reconnect.',
      );
      expect(await client.closed).toEqual({ code: 1008, reason: 'token-expired' });
    } finally {
      await shortLived.close();
    }
  });

  it('refuses a token whose session was revoked', async () => {
    const user = await createTestUser(server);
    await server.store.db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(eq(sessions.id, user.sessionId));
    const client = await openWs(wsPath(), { headers: user.headers });
    await client.next();
    expect(await client.next()).toMatchObject({ type: 'auth_failed', code: 'SESSION_REVOKED' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'session-revoked' });
  });

  it('closes live sockets of a revoked session with 1008 session-revoked, others stay', async () => {
    const user = await createTestUser(server);
    const other = await createTestUser(server);
    const first = await openAuthed(server.wsUrl, user.accessToken);
    const second = await openAuthed(server.wsUrl, user.accessToken);
    const bystander = await openAuthed(server.wsUrl, other.accessToken);
    await server.store.db
      .update(sessions)
      .set({ revokedAt: new Date() })
      .where(eq(sessions.id, user.sessionId));
    server.app.context.hub.revokeSession(user.userId, user.sessionId);
    expect(await first.closed).toEqual({ code: 1008, reason: 'session-revoked' });
    expect(await second.closed).toEqual({ code: 1008, reason: 'session-revoked' });
    bystander.send({ type: 'ping' });
    expect((await bystander.next()).type).toBe('pong');
    bystander.close();
  });
});

describe('WebSocket in-band refresh and expiry', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Tokens live 2-3 s (exp is in whole seconds); the warning comes 1 s before expiry.
    server = await startTestServer({
      JWT_EXPIRATION_MINUTES: '0.05',
      WS_EXPIRY_WARNING_MS: '1000',
    });
  });
  afterAll(() => server.close());

  it('warns before expiry, then sends auth_failed token-expired and closes', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const warning = await client.next();
    expect(warning).toMatchObject({ type: 'auth_expiring' });
    expect(await client.next()).toMatchObject({
      type: 'auth_failed',
      reason: 'token-expired',
      message: TOKEN_EXPIRED_MESSAGE,
    });
    expect(await client.closed).toEqual({ code: 1008, reason: 'token-expired' });
    // Nothing after the expiry notice.
    expect(client.received.at(-1)?.type).toBe('auth_failed');
  });

  it('extends the session with a fresh token of the same user (auth_refreshed)', async () => {
    const user = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    const firstExpiry = client.received[1]?.expiresAt as number;
    await client.nextOfType('auth_expiring');
    const fresh = await server.app.context.accessTokens.sign(user.userId, user.sessionId);
    client.send({ type: 'auth', token: fresh.token });
    const refreshed = await client.next();
    expect(refreshed).toEqual({ type: 'auth_refreshed', expiresAt: fresh.expiresAt });
    expect(fresh.expiresAt).toBeGreaterThan(firstExpiry);
    // Past the first token's lifetime the connection still works.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, firstExpiry - Date.now() + 50)));
    client.send({ type: 'ping' });
    expect((await client.nextOfType('pong')).type).toBe('pong');
    client.close();
  });

  it('warns at once when the token is already inside the warning window', async () => {
    const eager = await startTestServer({ WS_EXPIRY_WARNING_MS: String(60 * 60_000) });
    try {
      const user = await createTestUser(eager);
      const client = await openAuthed(eager.wsUrl, user.accessToken);
      expect(await client.next()).toMatchObject({ type: 'auth_expiring' });
      client.close();
    } finally {
      await eager.close();
    }
  });

  it("ends the connection on a re-auth with another user's token", async () => {
    const user = await createTestUser(server);
    const other = await createTestUser(server);
    const client = await openAuthed(server.wsUrl, user.accessToken);
    client.send({ type: 'auth', token: other.accessToken });
    expect(await client.nextOfType('auth_failed')).toMatchObject({ reason: 'auth-failed' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'auth-failed' });
  });

  it('ends the connection on a re-auth with an expired or invalid token', async () => {
    const user = await createTestUser(server);
    const stale = await server.app.context.accessTokens.sign(user.userId, user.sessionId);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stale.expiresAt - Date.now())));
    const client = await openAuthed(
      server.wsUrl,
      (await server.app.context.accessTokens.sign(user.userId, user.sessionId)).token,
    );
    client.send({ type: 'auth', token: stale.token });
    expect(await client.nextOfType('auth_failed')).toMatchObject({ reason: 'token-expired' });
    expect(await client.closed).toEqual({ code: 1008, reason: 'token-expired' });

    const second = await openAuthed(
      server.wsUrl,
      (await server.app.context.accessTokens.sign(user.userId, user.sessionId)).token,
    );
    second.send({ type: 'auth', token: 'garbage' });
    expect(await second.nextOfType('auth_failed')).toMatchObject({ reason: 'auth-failed' });
    expect(await second.closed).toEqual({ code: 1008, reason: 'auth-failed' });
  });
});
