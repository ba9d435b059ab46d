import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRefreshToken, hashRefreshSecret } from '../src/auth/refresh-token';
import { refreshTokens, sessions } from '../src/store/schema';
import { type AuthBody, signUp, TestBrowser } from './helpers/auth-client';
import type { ErrorBody } from './helpers/api-client';
import { openSse } from './helpers/sse-client';
import { startTestServer, type TestServer } from './helpers/test-server';

async function me(
  server: TestServer,
  accessToken: string,
): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${server.url}/api/auth/me`, {
    headers: { authorization: `Bearer ${accessToken}` },
  });
  const body = (await response.json()) as Partial<ErrorBody>;
  return { status: response.status, code: body.error?.code };
}

const refreshWith = (browser: TestBrowser, refreshToken: string) =>
  browser.send<AuthBody & Partial<ErrorBody>>('POST', '/api/auth/refresh', { refreshToken });

describe('refresh rotation (default grace window)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('rotates in body mode: a new refresh token of the same session, the old one rotated', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const refreshed = await refreshWith(signed.browser, signed.refreshToken!);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.user).toEqual(signed.user);
    expect(refreshed.body.refreshToken).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(refreshed.body.refreshToken).not.toBe(signed.refreshToken);
    expect(refreshed.setCookies).toEqual([]);
    expect((await me(server, refreshed.body.accessToken)).status).toBe(200);

    const [oldId, newId] = [signed.refreshToken!, refreshed.body.refreshToken!].map(
      (token) => token.split('.')[0]!,
    );
    const [oldRow] = await server.store.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.id, oldId!));
    const [newRow] = await server.store.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.id, newId!));
    expect(oldRow!.rotatedAt).toBeInstanceOf(Date);
    expect(newRow!.rotatedAt).toBeNull();
    expect(newRow!.sessionId).toBe(oldRow!.sessionId);
    // Only a hash of the secret is stored.
    expect(JSON.stringify(newRow)).not.toContain(refreshed.body.refreshToken!.split('.')[1]);
  });

  it('rotates in cookie mode through the refresh cookie (scoped to /api/auth)', async () => {
    const signed = await signUp(server);
    const before = signed.browser.jar.get('tidings_rt');
    expect(signed.browser.jar.headerFor('/api/notes')).not.toContain('tidings_rt');
    const refreshed = await signed.browser.send<AuthBody>('POST', '/api/auth/refresh', {});
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).toBeUndefined();
    expect(refreshed.body.user).toEqual(signed.user);
    const after = signed.browser.jar.get('tidings_rt');
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    expect(signed.browser.jar.get('tidings_at')).toBe(refreshed.body.accessToken);
    expect((await signed.browser.send('GET', '/api/auth/me')).status).toBe(200);
  });

  it('lets tabs refresh with one token at the same moment: all succeed, same session', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => refreshWith(signed.browser, signed.refreshToken!)),
    );
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    const tokens = answers.map((a) => a.body.refreshToken!);
    expect(new Set(tokens).size).toBe(4);
    // The user stays signed in through any tab's new tokens, all of the one session.
    for (const answer of answers) {
      expect((await me(server, answer.body.accessToken)).status).toBe(200);
      expect((await refreshWith(signed.browser, answer.body.refreshToken!)).status).toBe(200);
    }
    const rows = await server.store.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.userId, signed.user.id));
    expect(rows).toHaveLength(1);
  });

  it('answers an expired token racing a rotation of its session without error (no deadlock)', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const [current] = await server.store.db
      .select()
      .from(refreshTokens)
      .where(eq(refreshTokens.id, signed.refreshToken!.split('.')[0]!));
    const stale = generateRefreshToken();
    await server.store.db.insert(refreshTokens).values({
      id: stale.id,
      sessionId: current!.sessionId,
      secretHash: hashRefreshSecret(stale.secret),
      expiresAt: new Date(Date.now() - 1000),
    });
    const [rotated, expired] = await Promise.all([
      refreshWith(signed.browser, signed.refreshToken!),
      refreshWith(signed.browser, stale.token),
    ]);
    expect(rotated.status).toBe(200);
    expect(expired.status).toBe(401);
    expect(expired.body.error!.code).toBe('REFRESH_INVALID');
  });

  it('refuses unknown, malformed, tampered and missing refresh tokens with REFRESH_INVALID', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const [id, secret] = signed.refreshToken!.split('.') as [string, string];
    const tampered = `${id}.${secret.slice(0, -2)}${secret.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const token of ['nonsense', `${'A'.repeat(22)}.${'B'.repeat(43)}`, tampered]) {
      const response = await refreshWith(signed.browser, token);
      expect(response.status).toBe(401);
      expect(response.body.error!.code).toBe('REFRESH_INVALID');
    }
    const none = await new TestBrowser(server).send<ErrorBody>('POST', '/api/auth/refresh', {});
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('REFRESH_INVALID');
    // The real token was not harmed by the attempts.
    expect((await refreshWith(signed.browser, signed.refreshToken!)).status).toBe(200);
  });

  it('refuses an expired refresh token', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const id = signed.refreshToken!.split('.')[0]!;
    await server.store.db
      .update(refreshTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(refreshTokens.id, id));
    const response = await refreshWith(signed.browser, signed.refreshToken!);
    expect(response.status).toBe(401);
    expect(response.body.error!.code).toBe('REFRESH_INVALID');
  });

  it('never accepts a refresh token as an access token, nor the reverse', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    expect(await me(server, signed.refreshToken!)).toEqual({ status: 401, code: 'TOKEN_INVALID' });
    const cookieAccess = await fetch(`${server.url}/api/auth/me`, {
      headers: { cookie: `tidings_at=${signed.refreshToken}` },
    });
    expect(((await cookieAccess.json()) as ErrorBody).error.code).toBe('TOKEN_INVALID');
    const asRefresh = await refreshWith(signed.browser, signed.accessToken);
    expect(asRefresh.status).toBe(401);
    expect(asRefresh.body.error!.code).toBe('REFRESH_INVALID');
  });
});

describe('refresh reuse (no grace window)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ REFRESH_REUSE_GRACE_MS: '0' });
  });
  afterAll(() => server.close());

  it('revokes the whole session when a rotated token is presented again', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const stream = await openSse(`${server.url}/api/events`, signed.headers);
    expect(stream.status).toBe(200);
    expect(await stream.next()).toMatchObject({ event: 'ready' });

    const rotated = await refreshWith(signed.browser, signed.refreshToken!);
    expect(rotated.status).toBe(200);
    const replay = await refreshWith(signed.browser, signed.refreshToken!);
    expect(replay.status).toBe(401);
    expect(replay.body.error!.code).toBe('REFRESH_REUSED');

    // The open stream of that session is told and ended.
    expect(await stream.next()).toMatchObject({ event: 'session_revoked' });
    expect(await stream.next()).toBeNull();
    // Every token of the family is dead: access tokens old and new, and the newest refresh token.
    expect(await me(server, signed.accessToken)).toEqual({ status: 401, code: 'SESSION_REVOKED' });
    expect(await me(server, rotated.body.accessToken)).toEqual({
      status: 401,
      code: 'SESSION_REVOKED',
    });
    const newest = await refreshWith(signed.browser, rotated.body.refreshToken!);
    expect(newest.body.error!.code).toBe('REFRESH_INVALID');

    const [session] = await server.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, signed.user.id));
    expect(session!.revokedReason).toBe('refresh-reuse');
  });

  it('in cookie mode too: a replayed refresh cookie revokes the session and clears the cookies', async () => {
    const signed = await signUp(server);
    const stolen = signed.browser.jar.get('tidings_rt')!;
    expect((await signed.browser.send('POST', '/api/auth/refresh', {})).status).toBe(200);
    const thief = new TestBrowser(server);
    thief.jar.set('tidings_rt', stolen, '/api/auth');
    const replay = await thief.send<ErrorBody>('POST', '/api/auth/refresh', {});
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('REFRESH_REUSED');
    expect(replay.setCookies.some((c) => /^tidings_rt=;/.test(c))).toBe(true);
    // The legitimate browser's newer cookies are dead as well.
    const after = await signed.browser.send<ErrorBody>('GET', '/api/auth/me');
    expect(after.body.error.code).toBe('SESSION_REVOKED');
  });

  it('leaves the user’s other sessions alone', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const other = await new TestBrowser(server).send<AuthBody>('POST', '/api/auth/login', {
      email: signed.email,
      password: signed.password,
      tokenDelivery: 'body',
    });
    await refreshWith(signed.browser, signed.refreshToken!);
    expect((await refreshWith(signed.browser, signed.refreshToken!)).status).toBe(401);
    expect((await me(server, other.body.accessToken)).status).toBe(200);
  });
});

describe('logout', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('in cookie mode: 204, cookies cleared, session revoked, streams closed', async () => {
    const signed = await signUp(server);
    const stream = await openSse(`${server.url}/api/events`, signed.headers);
    expect(await stream.next()).toMatchObject({ event: 'ready' });
    const refreshCookie = signed.browser.jar.get('tidings_rt')!;

    const response = await signed.browser.send('POST', '/api/auth/logout', {});
    expect(response.status).toBe(204);
    expect(response.setCookies.some((c) => /^tidings_at=;.*Expires=Thu, 01 Jan 1970/.test(c))).toBe(
      true,
    );
    expect(response.setCookies.some((c) => /^tidings_rt=;.*Path=\/api\/auth/.test(c))).toBe(true);
    expect(signed.browser.jar.get('tidings_at')).toBeUndefined();
    expect(await stream.next()).toMatchObject({ event: 'session_revoked' });
    expect(await me(server, signed.accessToken)).toEqual({ status: 401, code: 'SESSION_REVOKED' });
    const replay = await refreshWith(signed.browser, refreshCookie);
    expect(replay.body.error!.code).toBe('REFRESH_INVALID');
  });

  it('with a Bearer token (no CSRF token needed) or a body refresh token', async () => {
    const byBearer = await signUp(server, { delivery: 'body' });
    const bearerLogout = await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: byBearer.headers,
    });
    expect(bearerLogout.status).toBe(204);
    expect((await me(server, byBearer.accessToken)).code).toBe('SESSION_REVOKED');

    const byBody = await signUp(server, { delivery: 'body' });
    const bodyLogout = await new TestBrowser(server).send('POST', '/api/auth/logout', {
      refreshToken: byBody.refreshToken,
    });
    expect(bodyLogout.status).toBe(204);
    expect((await me(server, byBody.accessToken)).code).toBe('SESSION_REVOKED');
    const [session] = await server.store.db
      .select()
      .from(sessions)
      .where(eq(sessions.userId, byBody.user.id));
    expect(session!.revokedReason).toBe('logout');
  });

  it('is idempotent: nothing to end still answers 204', async () => {
    const response = await new TestBrowser(server).send('POST', '/api/auth/logout', {});
    expect(response.status).toBe(204);
  });
});

describe('short access tokens (JWT_EXPIRATION_MINUTES=0.02)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ JWT_EXPIRATION_MINUTES: '0.02' });
  });
  afterAll(() => server.close());

  it('expires the access token (TOKEN_EXPIRED), and a refresh recovers the session', async () => {
    const signed = await signUp(server);
    expect(signed.expiresAt - Date.now()).toBeLessThanOrEqual(1_200);
    // Poll until the server says expired (bounded); exp has whole-second resolution.
    let answer = await signed.browser.send<ErrorBody>('GET', '/api/auth/me');
    for (let i = 0; i < 50 && answer.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await signed.browser.send<ErrorBody>('GET', '/api/auth/me');
    }
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('TOKEN_EXPIRED');

    const refreshed = await signed.browser.send<AuthBody>('POST', '/api/auth/refresh', {});
    expect(refreshed.status).toBe(200);
    expect((await signed.browser.send('GET', '/api/auth/me')).status).toBe(200);
  });
});
