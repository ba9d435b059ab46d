import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieNames } from '../src/auth/cookie-names';
import { hasChromium, launchChromium } from './helpers/browser';
import { commitTestChanges } from './helpers/test-changes';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser, type TestUser } from './helpers/test-user';

interface Received {
  type: string;
  id: string;
}

/** Opens an EventSource in the page that records every named event it receives. */
async function openEventSource(page: Page, types: string[]): Promise<void> {
  await page.evaluate((eventTypes) => {
    const received: { type: string; id: string }[] = [];
    (window as unknown as { received: typeof received }).received = received;
    const source = new EventSource('/api/events', { withCredentials: true });
    for (const type of eventTypes) {
      source.addEventListener(type, (event) =>
        received.push({ type, id: (event as MessageEvent).lastEventId }),
      );
    }
    source.addEventListener('error', () => received.push({ type: 'error', id: '' }));
  }, types);
}

async function received(page: Page): Promise<Received[]> {
  return page.evaluate(() => (window as unknown as { received: Received[] }).received);
}

async function waitForCount(page: Page, type: string, count: number): Promise<Received[]> {
  await page.waitForFunction(
    ([t, n]) =>
      (window as unknown as { received: Received[] }).received.filter((r) => r.type === t).length >=
      (n as number),
    [type, count] as const,
    { timeout: 10_000 },
  );
  return received(page);
}

describe.skipIf(!hasChromium)("SSE in Chromium's EventSource", () => {
  let server: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A page on `target`'s origin, with no credentials yet. */
  async function pageOn(target: TestServer): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`${target.url}/healthz`);
    return page;
  }

  /** Gives the page `user`'s access cookie, as a sign-in would. */
  async function signIn(page: Page, target: TestServer, user: TestUser): Promise<void> {
    await page.context().addCookies([
      {
        name: cookieNames(target.config).access,
        value: user.accessToken,
        url: target.url,
        httpOnly: true,
        sameSite: 'Lax',
      },
    ]);
  }

  async function signedInPage(target: TestServer, user: TestUser): Promise<Page> {
    const page = await pageOn(target);
    await signIn(page, target, user);
    return page;
  }

  it('authenticates with the cookie alone and resumes by Last-Event-ID after a cut', async () => {
    const user = await createTestUser(server);
    const page = await signedInPage(server, user);
    await openEventSource(page, ['ready', 'folder_deleted_sync']);
    await waitForCount(page, 'ready', 1);

    await commitTestChanges(server, user.userId, 3);
    await waitForCount(page, 'folder_deleted_sync', 3);

    // Cut every stream from the server side; the browser reconnects on its own with its last id.
    for (const end of [...server.app.context.liveStreams]) end();
    await commitTestChanges(server, user.userId, 3);

    const events = await waitForCount(page, 'folder_deleted_sync', 6);
    const ids = events.filter((e) => e.type === 'folder_deleted_sync').map((e) => e.id);
    expect(ids).toEqual(['1', '2', '3', '4', '5', '6']);
    await page.context().close();
  });

  it('tells the page when the token expires', async () => {
    const shortLived = await startTestServer({ JWT_EXPIRATION_MINUTES: '0.03' });
    // The page first: its token's 1.8 s run from the sign-in to the stream, not through the
    // browser's start (which took longer than that on a loaded 2-core machine, and the stream
    // then met an expired cookie and was refused).
    const page = await pageOn(shortLived);
    const user = await createTestUser(shortLived);
    await signIn(page, shortLived, user);
    await openEventSource(page, ['ready', 'token_expired']);
    const events = await waitForCount(page, 'token_expired', 1);
    expect(events.map((e) => e.type)).toContain('ready');
    await page.context().close();
    await shortLived.close();
  });
});
