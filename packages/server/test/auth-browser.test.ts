import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_PASSWORD } from './helpers/auth-client';
import { hasChromium, launchChromium } from './helpers/browser';
import { startTestServer, type TestServer } from './helpers/test-server';

interface Answer {
  status: number;
  body: unknown;
}

/**
 * Runs the cookie-mode flow in the page, as the web app does: fetch the CSRF token, send it on
 * every write, let the browser carry the httpOnly cookies.
 */
async function inPage(page: Page, api: string, email: string): Promise<Record<string, Answer>> {
  return page.evaluate(
    async ({ api, email, password }) => {
      const call = async (method: string, path: string, csrf?: string, body?: unknown) => {
        const headers: Record<string, string> = {};
        if (csrf) headers['X-CSRF-Token'] = csrf;
        if (body !== undefined) headers['Content-Type'] = 'application/json';
        const response = await fetch(`${api}${path}`, {
          method,
          headers,
          credentials: 'include',
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : null };
      };
      const csrfToken = async () =>
        ((await call('GET', '/api/csrf-token')).body as { csrfToken: string }).csrfToken;
      const anonymous = await csrfToken();
      const results: Record<string, { status: number; body: unknown }> = {};
      results.noCsrf = await call('POST', '/api/auth/register', undefined, { email, password });
      results.register = await call('POST', '/api/auth/register', anonymous, { email, password });
      results.visibleCookies = { status: 0, body: document.cookie };
      results.me = await call('GET', '/api/auth/me');
      // The token is bound to the session: the one from before sign-in no longer passes.
      results.staleCsrf = await call('POST', '/api/auth/refresh', anonymous, {});
      const signedIn = await csrfToken();
      results.refresh = await call('POST', '/api/auth/refresh', signedIn, {});
      results.meAfterRefresh = await call('GET', '/api/auth/me');
      results.logout = await call('POST', '/api/auth/logout', signedIn, {});
      results.meAfterLogout = await call('GET', '/api/auth/me');
      return results;
    },
    { api, email, password: TEST_PASSWORD },
  );
}

describe.skipIf(!hasChromium)('accounts, CSRF and CORS in Chromium', () => {
  let app: TestServer;
  let api: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    // `app` only serves a page from another origin; `api` allows exactly that origin.
    app = await startTestServer();
    api = await startTestServer({ CORS_ORIGINS: app.url });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await app?.close();
  });

  async function pageAt(url: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${url}/healthz`);
    return page;
  }

  it('signs up, refreshes and logs out with httpOnly cookies, same origin', async () => {
    const results = await inPage(await pageAt(api.url), '', 'same-origin@example.test');
    expect(results.noCsrf).toMatchObject({
      status: 403,
      body: { error: { code: 'CSRF_INVALID' } },
    });
    expect(results.register!.status).toBe(201);
    expect(results.register!.body).not.toHaveProperty('refreshToken');
    expect(results.visibleCookies!.body).toBe('');
    expect(results.me).toMatchObject({
      status: 200,
      body: { user: { email: 'same-origin@example.test' } },
    });
    expect(results.staleCsrf).toMatchObject({
      status: 403,
      body: { error: { code: 'CSRF_INVALID' } },
    });
    expect(results.refresh!.status).toBe(200);
    expect(results.meAfterRefresh!.status).toBe(200);
    expect(results.logout!.status).toBe(204);
    expect(results.meAfterLogout!.status).toBe(401);
  });

  it('works from an allowed origin with credentials', async () => {
    const results = await inPage(await pageAt(app.url), api.url, 'allowed@example.test');
    expect(results.register!.status).toBe(201);
    expect(results.me!.status).toBe(200);
    expect(results.refresh!.status).toBe(200);
    expect(results.logout!.status).toBe(204);
    expect(results.meAfterLogout!.status).toBe(401);
  });

  it('keeps responses from a page on an origin that is not allowed', async () => {
    // localhost is another origin than 127.0.0.1, and not on the allowlist.
    const page = await pageAt(app.url.replace('127.0.0.1', 'localhost'));
    const outcome = await page.evaluate(async (target) => {
      try {
        await fetch(`${target}/api/csrf-token`, { credentials: 'include' });
        return 'read';
      } catch {
        return 'blocked';
      }
    }, api.url);
    expect(outcome).toBe('blocked');
  });
});
