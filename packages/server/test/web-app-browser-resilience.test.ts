import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../apps/web/scripts/ensure-build.mjs';
import { hasChromium, launchChromium } from './helpers/browser';
import { startTestServer, type TestServer } from './helpers/test-server';

const LIVE_TIMEOUT = 15_000;
/** Screenshots land here (git-ignored). */
const SHOTS = join(import.meta.dirname, '..', '..', '..', '.tmp', 'screenshots');
const password = 'correct horse battery';

/** A browser, a server with `env`, and helpers to sign in pages of one user. */
function harness(env: Record<string, string> = {}) {
  const state = {
    server: undefined as unknown as TestServer,
    browser: undefined as unknown as Browser,
    email: `web-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`,
    registered: false,
  };
  beforeAll(async () => {
    await ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    state.server = await startTestServer(env);
    state.browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await state.browser?.close();
    await state.server?.close();
  });

  async function signedIn(setup?: (context: BrowserContext) => Promise<void>): Promise<Page> {
    const context = await state.browser.newContext();
    await setup?.(context);
    const page = await context.newPage();
    await page.goto(state.server.url);
    if (!state.registered) {
      await page.getByRole('button', { name: 'Create an account' }).click();
      state.registered = true;
      await page.getByLabel('Email').fill(state.email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign up' }).click();
    } else {
      await page.getByLabel('Email').fill(state.email);
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await waitForConnection(page, 'Connected');
    return page;
  }
  return { state, signedIn };
}

function waitForConnection(page: Page, text: string) {
  return expect
    .poll(() => page.locator('.connection-state').textContent(), { timeout: 30_000 })
    .toBe(text);
}

async function newNote(page: Page, title: string, content: string): Promise<void> {
  await page.getByRole('button', { name: 'New note' }).click();
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Content').fill(content);
  await expect
    .poll(() => page.locator('.save-state').textContent(), { timeout: LIVE_TIMEOUT })
    .toMatch(/^Saved/);
}

async function open(page: Page, title: string): Promise<void> {
  await page.getByRole('button', { name: new RegExp(title) }).click();
}

const content = (page: Page) => page.getByLabel('Content').inputValue();

describe.skipIf(!hasChromium)(
  'the web app under conflicts, reloads and attacks',
  { timeout: 60_000 },
  () => {
    const { state, signedIn } = harness({ VERSION_SNAPSHOT_INTERVAL_MS: '0' });

    it('shows a conflict with both versions and keeps the one the user picks', async () => {
      const first = await signedIn();
      await newNote(first, 'Plan', 'base');
      const second = await signedIn();
      await open(second, 'Plan');
      await expect.poll(() => content(second)).toBe('base');

      await first.context().setOffline(true);
      await waitForConnection(first, 'Offline');
      await first.getByLabel('Content').fill('from the first tab');
      await second.getByLabel('Content').fill('from the second tab');
      await expect
        .poll(() => second.locator('.save-state').textContent(), { timeout: LIVE_TIMEOUT })
        .toMatch(/^Saved/);

      await first.context().setOffline(false);
      const dialog = first.getByRole('dialog', { name: 'This note was changed elsewhere' });
      await dialog.waitFor({ timeout: LIVE_TIMEOUT });
      await first.screenshot({ path: join(SHOTS, 'conflict.png') });
      expect(await dialog.textContent()).toContain('from the first tab');
      expect(await dialog.textContent()).toContain('from the second tab');
      await dialog.getByRole('button', { name: 'Keep mine' }).click();
      await expect
        .poll(() => content(second), { timeout: LIVE_TIMEOUT })
        .toBe('from the first tab');
    });

    it('keeps an edit made offline in IndexedDB when the tab is closed, and sends it later', async () => {
      const first = await signedIn();
      await newNote(first, 'Keep me', 'draft');
      await first.context().setOffline(true);
      await waitForConnection(first, 'Offline');
      await first.getByLabel('Content').fill('typed offline, tab closed');
      await first.getByLabel('Title').focus(); // leaving the field queues the edit at once
      const queued = () =>
        first.evaluate(async () => {
          const names = (await indexedDB.databases()).map((db) => db.name ?? '');
          const name = names.find((n) => n.startsWith('tidings-outbox-'));
          if (!name) return 0;
          const db = await new Promise<IDBDatabase>((resolve, reject) => {
            const request = indexedDB.open(name);
            request.onsuccess = () => resolve(request.result);
            request.onerror = () => reject(request.error);
          });
          const count = await new Promise<number>((resolve) => {
            const request = db.transaction('outbox').objectStore('outbox').count();
            request.onsuccess = () => resolve(request.result);
          });
          db.close();
          return count;
        });
      await expect.poll(queued, { timeout: LIVE_TIMEOUT }).toBe(1);
      const context = first.context();
      await first.close();

      await context.setOffline(false);
      const reopened = await context.newPage();
      await reopened.goto(state.server.url);
      await waitForConnection(reopened, 'Connected');
      const other = await signedIn();
      await open(other, 'Keep me');
      await expect
        .poll(() => content(other), { timeout: LIVE_TIMEOUT })
        .toBe('typed offline, tab closed');
      await expect.poll(() => reopened.locator('.unsaved').count()).toBe(0);
    });

    it('says what went wrong in words, never a raw code', async () => {
      const context = await state.browser.newContext();
      const page = await context.newPage();
      await page.goto(state.server.url);
      await page.getByLabel('Email').fill('nobody@example.com');
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor({ timeout: LIVE_TIMEOUT });
      expect(await alert.textContent()).toBe('That email and password do not match an account.');
      await context.close();
    });

    it('sends no request on reload before the session is restored', async () => {
      const page = await signedIn();
      const log: string[] = [];
      page.on('request', (request) => {
        const url = new URL(request.url());
        if (url.pathname.startsWith('/api/')) log.push(`> ${request.method()} ${url.pathname}`);
      });
      page.on('response', (response) => {
        const url = new URL(response.url());
        if (url.pathname === '/api/auth/me') log.push(`< ${response.status()} ${url.pathname}`);
      });
      await page.reload();
      await waitForConnection(page, 'Connected');
      // The session is confirmed first; data is asked for only after the answer.
      expect(log[0]).toBe('> GET /api/auth/me');
      expect(log[1]).toBe('< 200 /api/auth/me');
    });

    it('refuses a forged cross-site change: no CSRF token, no note', async () => {
      const victim = await signedIn();
      const context = victim.context();
      await context.route('http://attacker.test/**', (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>hi</title>' }),
      );
      const attacker = await context.newPage();
      await attacker.goto('http://attacker.test/');
      const target = `${state.server.url}/api/notes`;
      await attacker.evaluate(async (url) => {
        // What a hostile page can send: a "simple" request with the victim's cookies, if any.
        await fetch(url, {
          method: 'POST',
          mode: 'no-cors',
          credentials: 'include',
          body: JSON.stringify({ title: 'forged' }),
        }).catch(() => undefined);
      }, target);
      // The victim's own list, from the server: no forged note.
      await victim.reload();
      await waitForConnection(victim, 'Connected');
      const titles = await victim.locator('.note-title').allTextContents();
      expect(titles.some((title) => title.includes('forged'))).toBe(false);
    });

    it('logging out in one tab signs the other tabs of the browser out too', async () => {
      const first = await signedIn();
      const sameBrowser = await first.context().newPage();
      await sameBrowser.goto(state.server.url);
      await waitForConnection(sameBrowser, 'Connected');
      await first.getByRole('button', { name: 'Log out' }).click();
      await sameBrowser
        .getByRole('heading', { name: 'Sign in' })
        .waitFor({ timeout: LIVE_TIMEOUT });
      expect(await sameBrowser.locator('.notice').textContent()).toContain('signed out');
    });

    it('works with WebSockets blocked, over SSE', async () => {
      const writer = await signedIn();
      let streams = 0;
      const blocked = await signedIn(async (context) => {
        // A proxy that refuses upgrades: every WebSocket closes at once.
        await context.routeWebSocket(/\/ws(\?|$)/, (ws) =>
          ws.close({ code: 1011, reason: 'blocked' }),
        );
        context.on('request', (request) => {
          if (new URL(request.url()).pathname === '/api/events') streams += 1;
        });
      });
      expect(streams).toBeGreaterThan(0);
      expect(await blocked.locator('.connection-state').getAttribute('data-transport')).toBe('sse');
      await newNote(writer, 'Over SSE', 'one');
      await expect
        .poll(() => blocked.locator('.note-title').allTextContents(), { timeout: LIVE_TIMEOUT })
        .toContain('Over SSE');
      await open(blocked, 'Over SSE');
      await expect.poll(() => content(blocked)).toBe('one');
      await writer.getByLabel('Content').fill('two');
      await expect.poll(() => content(blocked), { timeout: LIVE_TIMEOUT }).toBe('two');
      // And edits made there reach the other side too (REST, since SSE only listens).
      await blocked.getByLabel('Content').fill('three');
      await open(writer, 'Over SSE');
      await expect.poll(() => content(writer), { timeout: LIVE_TIMEOUT }).toBe('three');
    });
  },
);

describe.skipIf(!hasChromium)(
  'the web app with short-lived access tokens',
  { timeout: 60_000 },
  () => {
    // 3-second access tokens, warned one second ahead: several expiries within the test.
    const { signedIn } = harness({ JWT_EXPIRATION_MINUTES: '0.05', WS_EXPIRY_WARNING_MS: '1000' });

    it('refreshes tokens without the user noticing', async () => {
      const first = await signedIn();
      const second = await signedIn();
      let refreshes = 0;
      first.on('response', (response) => {
        if (response.url().endsWith('/api/auth/refresh') && response.ok()) refreshes += 1;
      });
      await newNote(first, 'Long session', 'start');
      await open(second, 'Long session');
      // Wait out three token lifetimes, then prove the session still works both ways.
      await expect.poll(() => refreshes, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
      await first.getByLabel('Content').fill('after several refreshes');
      await expect
        .poll(() => content(second), { timeout: LIVE_TIMEOUT })
        .toBe('after several refreshes');
      expect(await first.locator('.connection-state').textContent()).toBe('Connected');
      expect(await first.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    });
  },
);
