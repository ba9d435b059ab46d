import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../apps/web/scripts/ensure-build.mjs';
import { tags, users } from '../src/store/schema';
import { hasChromium, launchChromium } from './helpers/browser';
import { startTestServer, type TestServer } from './helpers/test-server';

const TIMEOUT = 15_000;
/** The web app's page size (the server's largest page). */
const PAGE_SIZE = 200;

/** Long lists and tag management, driven through the app's labelled controls. */
describe.skipIf(!hasChromium)('the web app lists and tags in Chromium', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let userId: string;
  const email = `lists-${Date.now()}@example.com`;

  beforeAll(async () => {
    await ensureWebBuild();
    server = await startTestServer();
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: TIMEOUT });
    const [user] = await server.store.db.select().from(users).where(eq(users.email, email));
    userId = user?.id ?? '';
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const items = () => page.locator('.note-item').count();

  it('loads more notes than one page with "Load more notes"', async () => {
    for (let n = 0; n < PAGE_SIZE + 5; n += 1) {
      await server.app.context.data.notes.create({ userId }, { title: `bulk ${n}` });
    }
    await page.reload();
    await expect.poll(items, { timeout: TIMEOUT }).toBe(PAGE_SIZE);
    await page.getByRole('button', { name: 'Load more notes' }).click();
    await expect.poll(items, { timeout: TIMEOUT }).toBe(PAGE_SIZE + 5);
    expect(await page.getByRole('button', { name: 'Load more notes' }).count()).toBe(0);
  });

  it('renames and deletes a tag; its notes follow and stay', async () => {
    await server.app.context.data.notes.create({ userId }, { title: 'tagged one', tags: ['work'] });
    await server.app.context.data.notes.create({ userId }, { title: 'tagged two', tags: ['work'] });
    await page.reload();
    await page.getByRole('button', { name: '#work', exact: true }).click();
    await expect.poll(items, { timeout: TIMEOUT }).toBe(2);

    await page.getByRole('button', { name: 'Actions for tag work' }).click();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name for #work').fill('job');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('button', { name: '#job', exact: true }).waitFor({ timeout: TIMEOUT });
    expect(await page.getByRole('button', { name: '#work', exact: true }).count()).toBe(0);
    // The view follows the new name, with both notes showing it.
    await expect.poll(() => page.locator('.note-tags').allTextContents()).toEqual(['#job', '#job']);

    await page.getByRole('button', { name: 'Actions for tag job' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(() => page.locator('.tags').count(), { timeout: TIMEOUT }).toBe(0);
    await expect
      .poll(() => page.locator('.note-title').allTextContents())
      .toEqual(expect.arrayContaining(['tagged one', 'tagged two']));
    expect(await page.locator('.note-tags').count()).toBe(0);
    expect(await server.store.db.select().from(tags).where(eq(tags.name, 'job'))).toHaveLength(0);
  });
});
