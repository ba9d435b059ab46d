import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../apps/web/scripts/ensure-build.mjs';
import { buildApp, type TidingsApp } from '../src/app';
import { hasChromium, launchChromium } from './helpers/browser';
import { startTestServer, type TestServer } from './helpers/test-server';

/** Screenshots of the main screens land here (git-ignored); one is kept in docs/images. */
const SHOTS = join(import.meta.dirname, '..', '..', '..', '.tmp', 'screenshots');
const LIVE_TIMEOUT = 15_000;

/**
 * The web app end to end in Debian's Chromium: the real server serves the real build at `/`,
 * cookies and CSRF as a user's browser would use them, and two browser contexts of one user.
 */
describe.skipIf(!hasChromium)('the web app in Chromium', { timeout: 60_000 }, () => {
  let server: TestServer;
  let restarted: TidingsApp | null = null;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const email = `web-${Date.now()}@example.com`;
  const password = 'correct horse battery';

  beforeAll(async () => {
    // The app must be built before the server starts: it serves only the files present then.
    await ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer();
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    // The restarted app first; then the helper closes the store and drops the test database
    // (closing the first app again is a no-op).
    await restarted?.close();
    await server?.close();
  });

  async function openApp(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    return page;
  }

  const connection = (page: Page) => page.locator('.connection-state');
  const waitForConnection = (page: Page, text: string) =>
    expect.poll(() => connection(page).textContent(), { timeout: 30_000 }).toBe(text);

  let first: Page;
  let second: Page;

  it('signs up, creates a folder and a note, and edits it', async () => {
    first = await openApp();
    await first.getByRole('button', { name: 'Create an account' }).click();
    await first.screenshot({ path: join(SHOTS, 'sign-up.png') });
    await first.getByLabel('Email').fill(email);
    await first.getByLabel('Password').fill(password);
    await first.getByRole('button', { name: 'Sign up' }).click();
    await waitForConnection(first, 'Connected');

    await first.getByLabel('New folder name').fill('Groceries');
    await first.getByRole('button', { name: 'Add folder' }).click();
    await first.getByRole('button', { name: 'Groceries', exact: true }).click();
    await first.getByRole('button', { name: 'New note' }).click();
    await first.getByLabel('Title').fill('Shopping list');
    await first.getByLabel('Content').fill('milk');
    await expect
      .poll(() => first.locator('.save-state').textContent(), { timeout: LIVE_TIMEOUT })
      .toMatch(/^Saved/);
    await expect
      .poll(() => first.locator('.note-item').first().textContent(), { timeout: LIVE_TIMEOUT })
      .toContain('Shopping list');
  });

  it('shows the edit live in a second browser context of the same user', async () => {
    second = await openApp();
    await second.getByLabel('Email').fill(email);
    await second.getByLabel('Password').fill(password);
    await second.getByRole('button', { name: 'Sign in' }).click();
    await waitForConnection(second, 'Connected');
    await second.getByRole('button', { name: /Shopping list/ }).click();
    await expect.poll(() => second.getByLabel('Content').inputValue()).toBe('milk');

    await first.getByLabel('Content').fill('milk, eggs');
    await expect
      .poll(() => second.getByLabel('Content').inputValue(), { timeout: LIVE_TIMEOUT })
      .toBe('milk, eggs');
    await first.getByLabel('Title').fill('Shopping list!');
    await expect
      .poll(() => second.locator('.note-item').first().textContent(), { timeout: LIVE_TIMEOUT })
      .toContain('Shopping list!');
    await second.screenshot({ path: join(SHOTS, 'workspace.png') });
  });

  it('goes Offline with the network, keeps the edit, and delivers it once when back', async () => {
    await first.context().setOffline(true);
    await waitForConnection(first, 'Offline');
    await first.getByLabel('Content').fill('milk, eggs, bread');
    await expect
      .poll(() => first.locator('.unsaved').textContent(), { timeout: LIVE_TIMEOUT })
      .toContain('waiting to save');
    await first.screenshot({ path: join(SHOTS, 'offline.png') });

    await first.context().setOffline(false);
    await waitForConnection(first, 'Connected');
    await expect
      .poll(() => second.getByLabel('Content').inputValue(), { timeout: LIVE_TIMEOUT })
      .toBe('milk, eggs, bread');
    await expect.poll(() => first.locator('.unsaved').count()).toBe(0);
  });

  it('shows Reconnecting while the server restarts, then Connected again', async () => {
    const port = Number(new URL(server.url).port);
    await server.app.close();
    await waitForConnection(first, 'Reconnecting…');
    restarted = await buildApp({
      config: server.config,
      store: server.store,
      jwtSecret: server.config.jwtSecret as string,
    });
    await restarted.http.listen({ port, host: '127.0.0.1' });
    await waitForConnection(first, 'Connected');
    await waitForConnection(second, 'Connected');
    // A server that was down is not a blocked WebSocket: no fallback to SSE.
    expect(await connection(first).getAttribute('data-transport')).toBe('websocket');

    // Still live after the restart.
    await second.getByLabel('Content').fill('milk, eggs, bread, tea');
    await expect
      .poll(() => first.getByLabel('Content').inputValue(), { timeout: LIVE_TIMEOUT })
      .toBe('milk, eggs, bread, tea');
  });

  it('labels every control, works from the keyboard and fits a phone screen', async () => {
    const unlabelled = await second.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea, button')]
        .filter((element) => {
          const control = element as HTMLInputElement;
          const named =
            (control.labels?.length ?? 0) > 0 ||
            control.getAttribute('aria-label') ||
            (element.tagName === 'BUTTON' && element.textContent?.trim());
          return !named;
        })
        .map((element) => element.outerHTML.slice(0, 80)),
    );
    expect(unlabelled).toEqual([]);

    // Keyboard only: focus the search box, type, and the list follows.
    await second.getByLabel('Search notes').focus();
    await second.keyboard.type('bread');
    await expect
      .poll(() => second.locator('.note-title').allTextContents(), { timeout: LIVE_TIMEOUT })
      .toEqual(['Shopping list!']);

    await second.setViewportSize({ width: 390, height: 844 });
    const overflow = () =>
      second.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await second.screenshot({ path: join(SHOTS, 'phone-editor.png') });
    await second.getByRole('button', { name: '← Notes' }).click();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await second.screenshot({ path: join(SHOTS, 'phone-list.png') });
    await second.setViewportSize({ width: 1280, height: 800 });
  });

  it('ran without page errors or CSP violations', () => {
    // A failed request while the server was down is expected; nothing else.
    const unexpected = pageErrors.filter(
      (text) =>
        !/Failed to load resource|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket connection/.test(
          text,
        ),
    );
    expect(unexpected).toEqual([]);
  });
});
