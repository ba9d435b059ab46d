import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureWebBuild } from '../../../apps/web/scripts/ensure-build.mjs';
import { hasChromium, launchChromium } from './helpers/browser';
import { startTestServer, type TestServer } from './helpers/test-server';

const TIMEOUT = 15_000;
/** Screenshots land here (git-ignored). */
const SHOTS = join(import.meta.dirname, '..', '..', '..', '.tmp', 'screenshots');

/** Every feature of the web app driven through its labelled controls, as a user would. */
describe.skipIf(!hasChromium)('the web app features in Chromium', { timeout: 60_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await ensureWebBuild();
    mkdirSync(SHOTS, { recursive: true });
    // Every save its own version, so the history has something to go back to; and signatures
    // required, so every socket write of the app proves it signs.
    server = await startTestServer({
      VERSION_SNAPSHOT_INTERVAL_MS: '0',
      WS_REQUIRE_SIGNED_MESSAGES: 'true',
    });
    browser = await launchChromium();
    page = await (await browser.newContext()).newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(server.url);
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('Name (optional)').fill('Ada');
    await page.getByLabel('Email').fill(`features-${Date.now()}@example.com`);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('button', { name: 'New note' }).waitFor({ timeout: TIMEOUT });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const titles = () => page.locator('.note-title').allTextContents();
  const folderButtons = () => page.locator('.folder-tree .nav-item').allTextContents();
  const saved = () =>
    expect
      .poll(() => page.locator('.save-state').textContent(), { timeout: TIMEOUT })
      .toMatch(/^Saved/);
  /** Opens a new note and waits until the editor shows it (not the note open before). */
  async function newNote(title: string, content: string): Promise<void> {
    const before = await page.locator('.note-item').count();
    await page.getByRole('button', { name: 'New note' }).click();
    await expect
      .poll(() => page.locator('.note-item').count(), { timeout: TIMEOUT })
      .toBe(before + 1);
    await expect.poll(() => page.getByLabel('Title').inputValue()).toBe('');
    await page.getByLabel('Title').fill(title);
    await page.getByLabel('Content').fill(content);
    await saved();
  }

  const nav = (name: string) =>
    page.getByRole('navigation').getByRole('button', { name, exact: true });

  it('creates, renames, nests, moves and deletes folders', async () => {
    await page.getByLabel('New folder name').fill('Work');
    await page.getByRole('button', { name: 'Add folder' }).click();
    await page.getByLabel('New folder name').fill('Home');
    await page.getByRole('button', { name: 'Add folder' }).click();
    await expect.poll(folderButtons).toEqual(['Home', 'Work']);

    await page.getByRole('button', { name: 'Actions for folder Work' }).click();
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name for Work').fill('Projects');
    await page.getByRole('button', { name: 'Rename' }).click();
    await expect.poll(folderButtons).toEqual(['Home', 'Projects']);

    await page.getByRole('button', { name: 'Actions for folder Projects' }).click();
    await page.getByRole('button', { name: 'New subfolder' }).click();
    await page.getByLabel('Subfolder of Projects').fill('Tidings');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await expect
      .poll(() => page.locator('.folder-tree ul .nav-item').allTextContents())
      .toEqual(['Tidings']);

    await page.getByRole('button', { name: 'Actions for folder Home' }).click();
    await page.getByRole('button', { name: 'Move' }).click();
    await page.getByLabel('Move Home into').selectOption({ label: 'Projects' });
    await expect
      .poll(() => page.locator('.folder-tree ul .nav-item').allTextContents())
      .toEqual(['Home', 'Tidings']);

    await page.getByRole('button', { name: 'Actions for folder Home' }).click();
    await page.getByRole('button', { name: 'Delete' }).click();
    await expect.poll(folderButtons).toEqual(['Projects', 'Tidings']);
  });

  it('stars, archives, tags, moves, trashes and restores notes, with the filters following', async () => {
    await nav('All notes').click();
    await newNote('Alpha', 'first note');
    await newNote('Beta', 'second note');
    await expect.poll(titles).toEqual(['Beta', 'Alpha']);

    await page.getByRole('button', { name: '☆ Star' }).click();
    await page.getByLabel('Tags').fill('work, ideas');
    await page.getByLabel('Tags').press('Enter');
    await page.getByLabel('Folder', { exact: true }).selectOption({ label: 'Projects' });
    await saved();

    await nav('Starred').click();
    await expect.poll(titles).toEqual(['★ Beta']);
    await nav('#ideas').click();
    await expect.poll(titles).toEqual(['★ Beta']);
    await nav('Projects').click();
    await expect.poll(titles).toEqual(['★ Beta']);

    await nav('All notes').click();
    await page.getByRole('button', { name: /Alpha/ }).click();
    await page.getByRole('button', { name: 'Archive', exact: true }).click();
    await saved();
    await expect.poll(titles).toEqual(['★ Beta']);
    await nav('Archived').click();
    await expect.poll(titles).toEqual(['Alpha']);

    await page.getByRole('button', { name: /Alpha/ }).click();
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await nav('Trash').click();
    await expect.poll(titles).toEqual(['Alpha']);
    await page.getByRole('button', { name: /Alpha/ }).click();
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    await expect.poll(titles).toEqual([]);
    await nav('Archived').click();
    await expect.poll(titles).toEqual(['Alpha']);
    await nav('All notes').click();
    await page.getByRole('button', { name: /Beta/ }).click();
    await page.screenshot({ path: join(SHOTS, 'features.png') });
  });

  it('searches notes', async () => {
    await nav('All notes').click();
    await page.getByLabel('Search notes').fill('second');
    await expect.poll(titles, { timeout: TIMEOUT }).toEqual(['★ Beta']);
    await page.getByLabel('Search notes').fill('');
    await expect.poll(titles, { timeout: TIMEOUT }).toEqual(['★ Beta']);
  });

  it('goes back to an earlier version from the history', async () => {
    await page.getByRole('button', { name: /Beta/ }).click();
    await page.getByLabel('Content').fill('second note, rewritten');
    await saved();
    await page.getByRole('button', { name: 'History' }).click();
    const history = page.getByRole('region', { name: 'Version history' });
    const older = history.locator('li', { hasText: 'second note' }).filter({
      hasNotText: 'rewritten',
    });
    await older
      .first()
      .getByRole('button', { name: /^Restore version/ })
      .click();
    await expect
      .poll(() => page.getByLabel('Content').inputValue(), { timeout: TIMEOUT })
      .toBe('second note');
  });

  it('deletes a note forever from the trash', async () => {
    await page.getByRole('button', { name: 'Move to trash' }).click();
    await nav('Trash').click();
    await page.getByRole('button', { name: /Beta/ }).click();
    await page.getByRole('button', { name: 'Delete forever' }).click();
    await expect.poll(titles).toEqual([]);
    expect(await page.getByRole('alert').count()).toBe(0);
  });
});
