import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../apps/web/scripts/ensure-build.mjs';
import { folders, notes } from '../src/store/schema';
import { hasChromium, launchChromium } from './helpers/browser';
import { startTestServer, type TestServer } from './helpers/test-server';

const LIVE_TIMEOUT = 15_000;
/** Screenshots land here (git-ignored). */
const SHOTS = join(import.meta.dirname, '..', '..', '..', '.tmp', 'screenshots');
const password = 'correct horse battery';

function waitForConnection(page: Page, text: string) {
  return expect
    .poll(() => page.locator('.connection-state').textContent(), { timeout: 30_000 })
    .toBe(text);
}

const titles = (page: Page) => page.locator('.note-title').allTextContents();
const content = (page: Page) => page.getByLabel('Content').inputValue();

/** Work done with the network gone: created, edited, trashed, starred, all sent once back. */
describe.skipIf(!hasChromium)('the web app offline, in Chromium', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  const email = `offline-${Date.now()}-${Math.random().toString(36).slice(2)}@example.com`;
  let registered = false;

  beforeAll(async () => {
    await ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    server = await startTestServer({ WS_REQUIRE_SIGNED_MESSAGES: 'true' });
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signedIn(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    await page.goto(server.url);
    const first = !registered;
    registered = true;
    if (first) await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: first ? 'Sign up' : 'Sign in' }).click();
    await waitForConnection(page, 'Connected');
    return page;
  }

  async function rowsTitled(title: string) {
    return server.store.db.select().from(notes).where(eq(notes.title, title));
  }

  it('creates and edits a note offline; back online the other device gets it once, final', async () => {
    const offline = await signedIn();
    const other = await signedIn();
    await offline.context().setOffline(true);
    await waitForConnection(offline, 'Offline');

    await offline.getByRole('button', { name: 'New note' }).click();
    await offline.getByLabel('Title').fill('Made offline');
    await offline.getByLabel('Content').fill('first draft');
    await offline.getByLabel('Title').focus(); // leaving the field queues the edit at once
    await offline.getByLabel('Content').fill('final words');
    await offline.getByLabel('Title').focus();
    // Shown at once, marked as not on the server yet, with no error.
    await expect.poll(() => titles(offline)).toContain('Made offline');
    expect(await offline.locator('.note-pending').count()).toBe(1);
    expect(await offline.getByRole('alert').count()).toBe(0);
    await offline.screenshot({ path: join(SHOTS, 'offline-new-note.png') });
    expect(await rowsTitled('Made offline')).toHaveLength(0);

    await offline.context().setOffline(false);
    await waitForConnection(offline, 'Connected');
    await expect
      .poll(() => titles(other).then((all) => all.filter((t) => t === 'Made offline').length), {
        timeout: LIVE_TIMEOUT,
      })
      .toBe(1);
    await other.getByRole('button', { name: /Made offline/ }).click();
    await expect.poll(() => content(other), { timeout: LIVE_TIMEOUT }).toBe('final words');
    await expect.poll(() => offline.locator('.note-pending').count()).toBe(0);
    await expect.poll(() => offline.locator('.unsaved').count(), { timeout: LIVE_TIMEOUT }).toBe(0);
    const rows = await rowsTitled('Made offline');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.content).toBe('final words');
    expect((await titles(offline)).filter((t) => t === 'Made offline')).toHaveLength(1);
  });

  it('stars and trashes offline, and the other device follows once back', async () => {
    const offline = await signedIn();
    const other = await signedIn();
    await offline.getByRole('button', { name: 'New note' }).click();
    await offline.getByLabel('Title').fill('Star me');
    await expect
      .poll(() => offline.locator('.save-state').textContent(), { timeout: LIVE_TIMEOUT })
      .toMatch(/^Saved/);
    await offline.getByRole('button', { name: 'New note' }).click();
    await offline.getByLabel('Title').fill('Bin me');
    await expect
      .poll(() => offline.locator('.save-state').textContent(), { timeout: LIVE_TIMEOUT })
      .toMatch(/^Saved/);
    await expect.poll(() => titles(other), { timeout: LIVE_TIMEOUT }).toContain('Bin me');

    await offline.context().setOffline(true);
    await waitForConnection(offline, 'Offline');
    await offline.getByRole('button', { name: 'Move to trash' }).click();
    await offline.getByRole('button', { name: /Star me/ }).click();
    await offline.getByRole('button', { name: '☆ Star' }).click();
    await expect.poll(() => titles(offline)).not.toContain('Bin me');
    expect(await offline.getByRole('alert').count()).toBe(0);

    await offline.context().setOffline(false);
    await expect.poll(() => titles(other), { timeout: LIVE_TIMEOUT }).not.toContain('Bin me');
    await expect.poll(() => titles(other), { timeout: LIVE_TIMEOUT }).toContain('★ Star me');
    const [binned] = await rowsTitled('Bin me');
    expect(binned?.deleted).toBe(true);
  });

  it('creates a folder offline and a note in it; both arrive once, in order', async () => {
    const offline = await signedIn();
    const other = await signedIn();
    await offline.context().setOffline(true);
    await waitForConnection(offline, 'Offline');
    await offline.getByLabel('New folder name').fill('Made offline too');
    await offline.getByRole('button', { name: 'Add folder' }).click();
    await offline.getByRole('button', { name: 'Made offline too', exact: true }).click();
    await offline.getByRole('button', { name: 'New note' }).click();
    await offline.getByLabel('Title').fill('In the offline folder');
    await offline.getByLabel('Content').focus();
    await expect.poll(() => offline.locator('.note-pending').count()).toBe(1);
    expect(await offline.getByRole('alert').count()).toBe(0);

    await offline.context().setOffline(false);
    const folderButton = other.getByRole('button', { name: 'Made offline too', exact: true });
    await folderButton.waitFor({ timeout: LIVE_TIMEOUT });
    await folderButton.click();
    await expect
      .poll(() => titles(other), { timeout: LIVE_TIMEOUT })
      .toEqual(['In the offline folder']);
    const madeFolders = await server.store.db
      .select()
      .from(folders)
      .where(eq(folders.name, 'Made offline too'));
    expect(madeFolders).toHaveLength(1);
    const [note] = await rowsTitled('In the offline folder');
    expect(note?.folderId).toBe(madeFolders[0]?.id);
  });

  /** Makes the server unreachable for a context's API and socket; the page itself still loads. */
  async function serverSwitch(context: BrowserContext) {
    let down = false;
    await context.route(/\/(api\/|healthz)/, (route) =>
      down ? route.abort('connectionrefused') : route.fallback(),
    );
    await context.routeWebSocket(/\/ws/, (ws) => {
      if (down) ws.close({ code: 1011, reason: 'unreachable' });
      else ws.connectToServer();
    });
    return (value: boolean) => {
      down = value;
    };
  }

  it('opens the workspace, not sign-in, when the server is unreachable at load, then catches up', async () => {
    const page = await signedIn();
    const setDown = await serverSwitch(page.context());
    await page.getByRole('button', { name: 'New note' }).click();
    await page.getByLabel('Title').fill('Known note');
    await expect
      .poll(() => page.locator('.save-state').textContent(), { timeout: LIVE_TIMEOUT })
      .toMatch(/^Saved/);

    setDown(true);
    await page.reload();
    await page.locator('.offline-banner').waitFor({ timeout: LIVE_TIMEOUT });
    expect(await page.getByRole('heading', { name: 'Sign in' }).count()).toBe(0);
    await page.getByRole('button', { name: 'New note' }).click();
    await page.getByLabel('Title').fill('Made while unreachable');
    await page.getByLabel('Content').focus();
    await expect.poll(() => page.locator('.note-pending').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'unreachable-at-load.png') });

    setDown(false);
    await waitForConnection(page, 'Connected');
    await expect.poll(() => titles(page), { timeout: LIVE_TIMEOUT }).toContain('Known note');
    await expect
      .poll(() => page.locator('.note-pending').count(), { timeout: LIVE_TIMEOUT })
      .toBe(0);
    expect((await titles(page)).filter((t) => t === 'Made while unreachable')).toHaveLength(1);
    expect(await page.locator('.offline-banner').count()).toBe(0);
    expect(await rowsTitled('Made while unreachable')).toHaveLength(1);
  });

  it('shows sign-in once the server, reachable again, says the session is gone', async () => {
    const page = await signedIn();
    const setDown = await serverSwitch(page.context());
    setDown(true);
    await page.reload();
    await page.locator('.offline-banner').waitFor({ timeout: LIVE_TIMEOUT });
    await page.context().clearCookies(); // the session ended while the server was away
    setDown(false);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: 30_000 });
  });
});
