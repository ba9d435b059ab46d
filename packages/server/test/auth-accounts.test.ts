import { randomBytes, randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/store/database';
import * as schema from '../src/store/schema';
import { type AuthBody, signUp, TEST_PASSWORD, TestBrowser } from './helpers/auth-client';
import type { ErrorBody } from './helpers/api-client';
import { startTestServer, type TestServer } from './helpers/test-server';

const newEmail = () => `user-${randomUUID()}@example.test`;

describe('accounts: register, login, me', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server.close());

  it('registers in cookie mode: 201, httpOnly cookies, no refresh token in the body', async () => {
    const browser = new TestBrowser(server);
    const email = newEmail();
    const response = await browser.send<AuthBody>('POST', '/api/auth/register', {
      email: `  ${email.toUpperCase()} `,
      password: TEST_PASSWORD,
      name: '  Ada  ',
    });
    expect(response.status).toBe(201);
    expect(response.body.user).toMatchObject({ email, name: 'Ada' });
    expect(response.body.user.createdAt).toEqual(expect.any(String));
    expect(response.body.refreshToken).toBeUndefined();
    expect(response.body.expiresAt).toBeGreaterThan(Date.now());
    const access = response.setCookies.find((c) => c.startsWith('tidings_at='));
    const refresh = response.setCookies.find((c) => c.startsWith('tidings_rt='));
    expect(access).toMatch(/; Path=\/(;|$)/);
    expect(access).toMatch(/HttpOnly/);
    expect(access).toMatch(/SameSite=Lax/);
    expect(refresh).toMatch(/Path=\/api\/auth/);
    expect(refresh).toMatch(/HttpOnly/);
    expect(refresh).toMatch(/SameSite=Strict/);
    expect(access).not.toMatch(/Secure/);

    const me = await browser.send<{ user: unknown }>('GET', '/api/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toEqual(response.body.user);
  });

  it('registers in body mode: the refresh token in the body and no cookies', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    expect(signed.refreshToken).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(signed.browser.jar.get('tidings_at')).toBeUndefined();
    const me = await fetch(`${server.url}/api/auth/me`, { headers: signed.headers });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe(signed.email);
  });

  it('stores a salted scrypt hash, never the password', async () => {
    const a = await signUp(server, { password: 'same password for both' });
    const b = await signUp(server, { password: 'same password for both' });
    const rows = await server.store.db
      .select({ hash: schema.users.passwordHash })
      .from(schema.users)
      .where(sql`${schema.users.id} in (${a.user.id}, ${b.user.id})`);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.hash).toMatch(/^scrypt\$32768\$8\$3\$[\w-]+\$[\w-]+$/);
      expect(row.hash).not.toContain('same password');
    }
    expect(rows[0]!.hash).not.toBe(rows[1]!.hash);
  });

  it('logs in (any letter case of the email) and answers /me', async () => {
    const signed = await signUp(server);
    const browser = new TestBrowser(server);
    const login = await browser.send<AuthBody>('POST', '/api/auth/login', {
      email: signed.email.toUpperCase(),
      password: signed.password,
    });
    expect(login.status).toBe(200);
    expect(login.body.user).toEqual(signed.user);
    expect(browser.jar.get('tidings_at')).toBe(login.body.accessToken);
    expect((await browser.send('GET', '/api/auth/me')).status).toBe(200);
  });

  it('answers a duplicate email with 409 EMAIL_TAKEN, whatever its letter case', async () => {
    const signed = await signUp(server);
    const response = await new TestBrowser(server).send<ErrorBody>('POST', '/api/auth/register', {
      email: signed.email.toUpperCase(),
      password: TEST_PASSWORD,
    });
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('EMAIL_TAKEN');
  });

  it('answers concurrent sign-ups with one email: one 201, the rest 409, never 500', async () => {
    const email = newEmail();
    const browsers = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const browser = new TestBrowser(server);
        await browser.fetchCsrfToken();
        return browser;
      }),
    );
    const responses = await Promise.all(
      browsers.map((browser) =>
        browser.send<ErrorBody>('POST', '/api/auth/register', { email, password: TEST_PASSWORD }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409]);
    for (const r of responses.filter((r) => r.status === 409)) {
      expect(r.body.error.code).toBe('EMAIL_TAKEN');
    }
    const rows = await server.store.db
      .select()
      .from(schema.users)
      .where(eq(schema.users.email, email));
    expect(rows).toHaveLength(1);
  });

  it('refuses weak or malformed input with 400 VALIDATION_FAILED and details', async () => {
    const browser = new TestBrowser(server);
    const cases: [unknown, string][] = [
      [{ email: newEmail(), password: 'short' }, 'password'],
      [{ email: newEmail(), password: 'x'.repeat(257) }, 'password'],
      [{ email: 'not-an-email', password: TEST_PASSWORD }, 'email'],
      [{ email: `${'a'.repeat(250)}@example.test`, password: TEST_PASSWORD }, 'email'],
      [{ email: newEmail(), password: TEST_PASSWORD, name: 'n'.repeat(101) }, 'name'],
      [{ email: newEmail(), password: TEST_PASSWORD, tokenDelivery: 'url' }, 'tokenDelivery'],
      [{ password: TEST_PASSWORD }, 'email'],
      [[], ''],
    ];
    for (const [body, field] of cases) {
      const response = await browser.send<ErrorBody>('POST', '/api/auth/register', body);
      expect(response.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      const details = response.body.error.details as { path: string; message: string }[];
      expect(details.map((d) => d.path)).toContain(field);
    }
    const login = await browser.send<ErrorBody>('POST', '/api/auth/login', { email: 'x' });
    expect(login.status).toBe(400);
  });

  it('answers a wrong password and an unknown email with the same 401 body', async () => {
    const signed = await signUp(server);
    const browser = new TestBrowser(server);
    const wrongPassword = await browser.send<ErrorBody>('POST', '/api/auth/login', {
      email: signed.email,
      password: 'not the password',
    });
    const unknownEmail = await browser.send<ErrorBody>('POST', '/api/auth/login', {
      email: newEmail(),
      password: 'not the password',
    });
    expect(wrongPassword.status).toBe(401);
    expect(unknownEmail.status).toBe(401);
    expect(wrongPassword.body).toEqual({
      error: { code: 'INVALID_CREDENTIALS', message: 'The email or password is wrong.' },
    });
    expect(unknownEmail.body).toEqual(wrongPassword.body);
    expect(wrongPassword.setCookies.filter((c) => c.startsWith('tidings_at='))).toEqual([]);
  });

  it('refuses /me without credentials and with a garbage token', async () => {
    const none = await fetch(`${server.url}/api/auth/me`);
    expect(((await none.json()) as ErrorBody).error.code).toBe('UNAUTHENTICATED');
    const garbage = await fetch(`${server.url}/api/auth/me`, {
      headers: { authorization: 'Bearer not.a.jwt' },
    });
    expect(garbage.status).toBe(401);
    expect(((await garbage.json()) as ErrorBody).error.code).toBe('TOKEN_INVALID');
  });
});

describe('login throttling', () => {
  let server: TestServer;
  beforeAll(async () => {
    // TRUST_PROXY so each test can speak from its own client address via X-Forwarded-For.
    server = await startTestServer({ LOGIN_MAX_FAILURES: '3', TRUST_PROXY: 'true' });
  });
  afterAll(() => server.close());

  const login = (browser: TestBrowser, ip: string, email: string, password: string) =>
    browser.send<ErrorBody>(
      'POST',
      '/api/auth/login',
      { email, password },
      { headers: { 'x-forwarded-for': ip } },
    );

  it('throttles an email after repeated failures, from any address, with Retry-After', async () => {
    const signed = await signUp(server);
    const browser = new TestBrowser(server);
    for (let i = 0; i < 3; i++) {
      expect((await login(browser, `10.1.0.${i}`, signed.email, 'wrong password')).status).toBe(
        401,
      );
    }
    const blocked = await login(browser, '10.1.0.99', signed.email, signed.password);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMITED');
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('throttles an address that guesses at many emails, not other addresses', async () => {
    const signed = await signUp(server);
    const browser = new TestBrowser(server);
    for (let i = 0; i < 3; i++) {
      expect((await login(browser, '10.2.0.1', newEmail(), 'wrong password')).status).toBe(401);
    }
    const blocked = await login(browser, '10.2.0.1', signed.email, signed.password);
    expect(blocked.status).toBe(429);
    expect((await login(browser, '10.2.0.2', signed.email, signed.password)).status).toBe(200);
  });

  it('decides a parallel burst of guesses one by one: no more failures than the limit', async () => {
    const signed = await signUp(server);
    const browser = new TestBrowser(server);
    await browser.fetchCsrfToken();
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        login(browser, `10.4.0.${i}`, signed.email, `wrong password ${i}`),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
  });

  it('forgets an email’s failures after a successful login', async () => {
    const signed = await signUp(server);
    const browser = new TestBrowser(server);
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 2; i++) {
        const ip = `10.3.${round}.${i}`;
        expect((await login(browser, ip, signed.email, 'wrong password')).status).toBe(401);
      }
      expect((await login(browser, `10.3.${round}.9`, signed.email, signed.password)).status).toBe(
        200,
      );
    }
  });
});

describe('database unreachable', () => {
  let real: TestServer;
  let server: TestServer;
  let pool: pg.Pool;
  beforeAll(async () => {
    real = await startTestServer();
    // Nothing listens on port 1: every query fails to connect, as with the database stopped.
    pool = new pg.Pool({
      connectionString: 'postgres://postgres@127.0.0.1:1/none',
      connectionTimeoutMillis: 1_000,
    });
    const unreachable = { ...real.store, db: drizzle(pool, { schema }) as unknown as Database };
    server = await startTestServer(
      {},
      { store: unreachable, jwtSecret: randomBytes(32).toString('base64url') },
    );
  });
  afterAll(async () => {
    await server.close();
    await pool.end();
    await real.close();
  });

  it('answers sign-up and login with 503 DB_UNAVAILABLE and Retry-After, never 500', async () => {
    const browser = new TestBrowser(server);
    for (const path of ['/api/auth/register', '/api/auth/login']) {
      const response = await browser.send<ErrorBody>('POST', path, {
        email: newEmail(),
        password: TEST_PASSWORD,
      });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe('DB_UNAVAILABLE');
      expect(response.headers.get('retry-after')).toBe('5');
    }
  });
});
