import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, TEST_PASSWORD, TestBrowser } from './helpers/auth-client';
import type { ErrorBody } from './helpers/api-client';
import { startTestServer, type TestServer } from './helpers/test-server';

const credentials = { email: 'nobody@example.test', password: 'wrong password' };

/** POSTs a login with exactly the given headers (no jar, no automatic CSRF token). */
async function rawLogin(
  server: TestServer,
  headers: Record<string, string>,
  body: string = JSON.stringify(credentials),
): Promise<{ status: number; code: string | undefined }> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    code: text ? (JSON.parse(text) as Partial<ErrorBody>).error?.code : undefined,
  };
}

describe('CSRF protection', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ CORS_ORIGINS: 'https://app.example.test' });
  });
  afterAll(() => server.close());

  it('hands out a token with an httpOnly, SameSite=Strict cookie, and keeps it stable', async () => {
    const browser = new TestBrowser(server);
    const first = await browser.send<{ csrfToken: string }>('GET', '/api/csrf-token');
    expect(first.status).toBe(200);
    expect(first.body.csrfToken).toMatch(/^[\w-]{43}\.[\w-]{43}$/);
    const [cookie] = first.setCookies;
    expect(cookie).toMatch(/^tidings_csrf=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\//);
    expect(first.headers.get('cache-control')).toBe('no-store');
    // A second fetch (another tab) gets the same token, so the first tab's copy stays valid.
    const second = await browser.send<{ csrfToken: string }>('GET', '/api/csrf-token');
    expect(second.body.csrfToken).toBe(first.body.csrfToken);
    expect(second.setCookies).toEqual([]);
  });

  it('lets a request with a matching, signed token through', async () => {
    const browser = new TestBrowser(server);
    const token = await browser.fetchCsrfToken();
    const answer = await rawLogin(server, {
      'x-csrf-token': token,
      cookie: `tidings_csrf=${token}`,
    });
    // Past the CSRF check: the credentials are what fail.
    expect(answer).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });
  });

  it('refuses a missing, half-missing, mismatched or other-session token', async () => {
    const [a, b] = [new TestBrowser(server), new TestBrowser(server)];
    const tokenA = await a.fetchCsrfToken();
    const tokenB = await b.fetchCsrfToken();
    const cases: Record<string, string>[] = [
      {},
      { cookie: `tidings_csrf=${tokenA}` },
      { 'x-csrf-token': tokenA },
      { 'x-csrf-token': tokenB, cookie: `tidings_csrf=${tokenA}` },
      { 'x-csrf-token': `${tokenA}x`, cookie: `tidings_csrf=${tokenA}` },
      { 'x-csrf-token': '', cookie: 'tidings_csrf=' },
    ];
    for (const headers of cases) {
      expect(await rawLogin(server, headers), JSON.stringify(headers)).toEqual({
        status: 403,
        code: 'CSRF_INVALID',
      });
    }
  });

  it('binds the token to the session: a token of another session, or from before sign-in, fails', async () => {
    const alice = await signUp(server);
    const mallory = await signUp(server);
    const aliceAccess = `tidings_at=${alice.browser.jar.get('tidings_at')}`;
    // Mallory's genuine, signed-in pair, planted into Alice's browser next to her access cookie.
    const malloryToken = await mallory.browser.fetchCsrfToken();
    expect(
      await rawLogin(server, {
        'x-csrf-token': malloryToken,
        cookie: `${aliceAccess}; tidings_csrf=${malloryToken}`,
      }),
    ).toEqual({ status: 403, code: 'CSRF_INVALID' });
    // A pair from before sign-in (no session) fails once the browser holds a session...
    const anonymous = await new TestBrowser(server).fetchCsrfToken();
    expect(
      await rawLogin(server, {
        'x-csrf-token': anonymous,
        cookie: `${aliceAccess}; tidings_csrf=${anonymous}`,
      }),
    ).toEqual({ status: 403, code: 'CSRF_INVALID' });
    // ...and fetching again with the session's cookies gives a token that passes.
    const fresh = await fetch(`${server.url}/api/csrf-token`, {
      headers: { cookie: `${aliceAccess}; tidings_csrf=${anonymous}` },
    });
    const { csrfToken } = (await fresh.json()) as { csrfToken: string };
    expect(csrfToken).not.toBe(anonymous);
    expect(
      await rawLogin(server, {
        'x-csrf-token': csrfToken,
        cookie: `${aliceAccess}; tidings_csrf=${csrfToken}`,
      }),
    ).toEqual({ status: 401, code: 'INVALID_CREDENTIALS' });
  });

  it('refuses a cookie and header pair forged without the server key', async () => {
    const nonce = randomBytes(32).toString('base64url');
    const forged = `${nonce}.${randomBytes(32).toString('base64url')}`;
    expect(
      await rawLogin(server, { 'x-csrf-token': forged, cookie: `tidings_csrf=${forged}` }),
    ).toEqual({ status: 403, code: 'CSRF_INVALID' });
    // A token signed by another server (another secret) is a forgery here too.
    const other = await startTestServer();
    try {
      const foreign = await new TestBrowser(other).fetchCsrfToken();
      expect(
        await rawLogin(server, { 'x-csrf-token': foreign, cookie: `tidings_csrf=${foreign}` }),
      ).toEqual({ status: 403, code: 'CSRF_INVALID' });
    } finally {
      await other.close();
    }
  });

  it('covers every state-changing method under /api/, before the body is read', async () => {
    const signed = await signUp(server);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const response = await signed.browser.send<ErrorBody>(
        method,
        '/api/notes/anything',
        {},
        {
          csrf: false,
        },
      );
      expect(response.status, method).toBe(403);
      expect(response.body.error.code).toBe('CSRF_INVALID');
    }
    // Even with a valid access cookie, the session's own routes need the token.
    const refresh = await signed.browser.send<ErrorBody>(
      'POST',
      '/api/auth/refresh',
      {},
      {
        csrf: false,
      },
    );
    expect(refresh.body.error.code).toBe('CSRF_INVALID');
    // Reads do not.
    expect((await signed.browser.send('GET', '/api/auth/me')).status).toBe(200);
  });

  it('exempts Bearer requests, but not other Authorization schemes', async () => {
    const signed = await signUp(server, { delivery: 'body' });
    const bearer = await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: signed.headers,
    });
    expect(bearer.status).toBe(204);
    const basic = await rawLogin(server, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic).toEqual({ status: 403, code: 'CSRF_INVALID' });
    const emptyBearer = await rawLogin(server, { authorization: 'Bearer ' });
    expect(emptyBearer).toEqual({ status: 403, code: 'CSRF_INVALID' });
  });

  it('refuses a state-changing request from an origin that is not allowed', async () => {
    const browser = new TestBrowser(server);
    const token = await browser.fetchCsrfToken();
    const valid = { 'x-csrf-token': token, cookie: `tidings_csrf=${token}` };
    expect(await rawLogin(server, { ...valid, origin: 'https://evil.example.test' })).toEqual({
      status: 403,
      code: 'ORIGIN_FORBIDDEN',
    });
    expect(await rawLogin(server, { ...valid, origin: 'null' })).toEqual({
      status: 403,
      code: 'ORIGIN_FORBIDDEN',
    });
    // Bearer does not excuse a foreign origin either.
    const signed = await signUp(server, { delivery: 'body' });
    const bearer = await fetch(`${server.url}/api/auth/logout`, {
      method: 'POST',
      headers: { ...signed.headers, origin: 'https://evil.example.test' },
    });
    expect(bearer.status).toBe(403);
    // Allowed origins pass: the configured one and the server's own.
    for (const origin of ['https://app.example.test', server.config.publicOrigin]) {
      expect(await rawLogin(server, { ...valid, origin })).toEqual({
        status: 401,
        code: 'INVALID_CREDENTIALS',
      });
    }
  });

  it('refuses text/plain, form and multipart bodies with 415 even with a valid token', async () => {
    const browser = new TestBrowser(server);
    const token = await browser.fetchCsrfToken();
    const valid = { 'x-csrf-token': token, cookie: `tidings_csrf=${token}` };
    const bodies: [string, string][] = [
      ['text/plain', JSON.stringify({ email: 'a@example.test', password: TEST_PASSWORD })],
      ['application/x-www-form-urlencoded', `email=a%40example.test&password=${TEST_PASSWORD}`],
      [
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\nb\r\n--x--',
      ],
    ];
    for (const [type, body] of bodies) {
      expect(await rawLogin(server, { ...valid, 'content-type': type }, body), type).toEqual({
        status: 415,
        code: 'UNSUPPORTED_MEDIA_TYPE',
      });
    }
  });

  it('cannot be dodged by spelling the path differently', async () => {
    const encoded = await fetch(`${server.url}/%61pi/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
    // The router decodes %61 to `a` and matches the login route: the check must see that too.
    expect(encoded.status).toBe(403);
  });
});

describe('CSRF cookie behind https', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ PUBLIC_URL: 'https://notes.example.test' });
  });
  afterAll(() => server.close());

  it('uses __Host- names and Secure on every cookie', async () => {
    const csrf = await fetch(`${server.url}/api/csrf-token`);
    const [csrfCookie] = csrf.headers.getSetCookie();
    expect(csrfCookie).toMatch(/^__Host-tidings_csrf=.*; Path=\/;.*Secure/);
    const token = ((await csrf.json()) as { csrfToken: string }).csrfToken;
    const register = await fetch(`${server.url}/api/auth/register`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-csrf-token': token,
        cookie: `__Host-tidings_csrf=${token}`,
      },
      body: JSON.stringify({ email: 'secure@example.test', password: TEST_PASSWORD }),
    });
    expect(register.status).toBe(201);
    const cookies = register.headers.getSetCookie();
    expect(cookies.find((c) => c.startsWith('__Host-tidings_at='))).toMatch(/Secure/);
    expect(cookies.find((c) => c.startsWith('__Secure-tidings_rt='))).toMatch(
      /Path=\/api\/auth.*Secure/,
    );
  });
});

describe('CSRF token across access-token expiry (JWT_EXPIRATION_MINUTES=0.02)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ JWT_EXPIRATION_MINUTES: '0.02' });
  });
  afterAll(() => server.close());

  it('keeps the token valid for the refresh that follows an expired access token', async () => {
    const signed = await signUp(server);
    const token = await signed.browser.fetchCsrfToken();
    // Poll (bounded) until the access cookie has expired.
    let me = await signed.browser.send<ErrorBody>('GET', '/api/auth/me');
    for (let i = 0; i < 50 && me.status === 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      me = await signed.browser.send<ErrorBody>('GET', '/api/auth/me');
    }
    expect(me.body.error.code).toBe('TOKEN_EXPIRED');
    const refresh = await signed.browser.send('POST', '/api/auth/refresh', {});
    expect(refresh.status).toBe(200);
    // Same session, same token: no new token was needed, before or after the refresh.
    expect(signed.browser.csrfToken).toBe(token);
    expect(signed.browser.csrfRetries).toBe(0);
    expect((await signed.browser.send('POST', '/api/auth/logout', {})).status).toBe(204);
    expect(signed.browser.csrfRetries).toBe(0);
  });
});
