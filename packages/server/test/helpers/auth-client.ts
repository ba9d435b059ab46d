import { randomUUID } from 'node:crypto';
import type { PublicUser } from '@tidings/protocol';
import type { TestServer } from './test-server';

export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  /** Parsed JSON, or undefined for an empty body. */
  body: T;
  /** Raw Set-Cookie lines of this response. */
  setCookies: string[];
}

interface ErrorLike {
  error?: { code?: string };
}

interface StoredCookie {
  value: string;
  path: string;
}

/**
 * A cookie jar for tests, as a browser would keep it: Set-Cookie is honoured (deletion by a past
 * Expires or Max-Age=0), and a cookie is only sent to paths under its Path.
 */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie & { name: string }>();

  absorb(setCookies: readonly string[]): void {
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = false;
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=');
        const lower = key.toLowerCase();
        if (lower === 'path') path = val;
        if (lower === 'max-age' && Number(val) <= 0) expired = true;
        if (lower === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      const key = `${name};${path}`;
      if (expired || value === '') this.cookies.delete(key);
      else this.cookies.set(key, { name, value, path });
    }
  }

  get(name: string): string | undefined {
    return [...this.cookies.values()].find((cookie) => cookie.name === name)?.value;
  }

  set(name: string, value: string, path = '/'): void {
    this.cookies.set(`${name};${path}`, { name, value, path });
  }

  delete(name: string): void {
    for (const [key, cookie] of this.cookies) if (cookie.name === name) this.cookies.delete(key);
  }

  /** The Cookie header for a request to `path`, or undefined when nothing applies. */
  headerFor(path: string): string | undefined {
    const pathname = path.split('?')[0] ?? path;
    const sent = [...this.cookies.values()].filter(
      (cookie) =>
        pathname === cookie.path ||
        pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`),
    );
    return sent.length
      ? sent.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
      : undefined;
  }
}

export interface SendOptions {
  headers?: Record<string, string>;
  /** Attach the CSRF token on state-changing requests (default true unless a Bearer is sent). */
  csrf?: boolean;
}

/**
 * A browser-like client of a test server: it keeps cookies, fetches the CSRF token once and
 * sends it on every POST/PUT/PATCH/DELETE, exactly as the SDK does.
 */
export class TestBrowser {
  readonly jar = new CookieJar();
  csrfToken: string | null = null;
  /** How many requests had to fetch a new CSRF token and retry. */
  csrfRetries = 0;

  constructor(readonly server: TestServer) {}

  async fetchCsrfToken(): Promise<string> {
    const response = await this.send<{ csrfToken: string }>('GET', '/api/csrf-token');
    this.csrfToken = response.body.csrfToken;
    return this.csrfToken;
  }

  /**
   * Sends a request; a state-changing one carries the CSRF token and, like the SDK, retries once
   * with a fresh token on 403 CSRF_INVALID (the token is bound to the session, so signing in or
   * out calls for a new one).
   */
  async send<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    options: SendOptions = {},
  ): Promise<TestResponse<T>> {
    const hasBearer = Object.keys(options.headers ?? {}).some(
      (name) => name.toLowerCase() === 'authorization',
    );
    const stateChanging = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (!stateChanging || !(options.csrf ?? !hasBearer)) {
      return this.exchange<T>(method, path, body, options.headers, undefined);
    }
    const first = await this.exchange<T>(
      method,
      path,
      body,
      options.headers,
      this.csrfToken ?? (await this.fetchCsrfToken()),
    );
    if (first.status !== 403 || (first.body as ErrorLike)?.error?.code !== 'CSRF_INVALID') {
      return first;
    }
    this.csrfRetries++;
    return this.exchange<T>(method, path, body, options.headers, await this.fetchCsrfToken());
  }

  private async exchange<T>(
    method: string,
    path: string,
    body: unknown,
    extraHeaders: Record<string, string> | undefined,
    csrfToken: string | undefined,
  ): Promise<TestResponse<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
    const cookie = this.jar.headerFor(path);
    if (cookie) headers.cookie = cookie;
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${this.server.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const setCookies = response.headers.getSetCookie();
    this.jar.absorb(setCookies);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as T,
      setCookies,
    };
  }
}

export interface AuthBody {
  user: PublicUser;
  accessToken: string;
  expiresAt: number;
  refreshToken?: string;
}

export interface SignedUpUser {
  browser: TestBrowser;
  email: string;
  password: string;
  user: PublicUser;
  accessToken: string;
  expiresAt: number;
  /** Only with delivery 'body'; in cookie mode it sits in `browser.jar`. */
  refreshToken: string | undefined;
  /** `{ authorization: 'Bearer …' }`. */
  headers: Record<string, string>;
}

export const TEST_PASSWORD = 'correct horse battery staple';

/**
 * Signs a new user up through the real register route (CSRF included) and returns the tokens,
 * with the browser whose jar holds the cookies. For suites that need a real signed-in user.
 */
export async function signUp(
  server: TestServer,
  options: { email?: string; password?: string; name?: string; delivery?: 'cookie' | 'body' } = {},
): Promise<SignedUpUser> {
  const browser = new TestBrowser(server);
  const email = options.email ?? `user-${randomUUID()}@example.test`;
  const password = options.password ?? TEST_PASSWORD;
  const response = await browser.send<AuthBody>('POST', '/api/auth/register', {
    email,
    password,
    ...(options.name === undefined ? {} : { name: options.name }),
    tokenDelivery: options.delivery ?? 'cookie',
  });
  if (response.status !== 201) {
    throw new Error(`sign-up failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  const { user, accessToken, expiresAt, refreshToken } = response.body;
  return {
    browser,
    email,
    password,
    user,
    accessToken,
    expiresAt,
    refreshToken,
    headers: { authorization: `Bearer ${accessToken}` },
  };
}
