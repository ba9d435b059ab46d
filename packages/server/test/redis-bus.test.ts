import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRedisServer, type PrivateRedis, startPrivateRedis } from './helpers/redis-server';
import { openSse } from './helpers/sse-client';
import { commitTestChanges } from './helpers/test-changes';
import { startTestServer, type TestServer } from './helpers/test-server';
import { createTestUser } from './helpers/test-user';

async function readyz(server: TestServer): Promise<{ status: string }> {
  return (await (await fetch(`${server.url}/readyz`)).json()) as { status: string };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(!hasRedisServer)('two instances on one database and a Redis bus', () => {
  let redis: PrivateRedis;
  let first: TestServer;
  let second: TestServer;
  beforeAll(async () => {
    redis = await startPrivateRedis(16_379 + Math.floor(Math.random() * 1_000));
    first = await startTestServer({ REDIS_URL: redis.url });
    second = await startTestServer(
      { REDIS_URL: redis.url },
      { store: first.store, jwtSecret: first.config.jwtSecret! },
    );
  });
  afterAll(async () => {
    await second?.close();
    await first?.close();
    await redis?.stop();
  });

  it('delivers a change committed on one instance to a stream on the other', async () => {
    const user = await createTestUser(first);
    const stream = await openSse(`${second.url}/api/events`, user.headers);
    expect(await stream.next()).toMatchObject({ event: 'ready' });
    const [committed] = await commitTestChanges(first, user.userId, 1);
    expect(await stream.next()).toEqual({ id: '1', event: 'folder_deleted_sync', data: committed });
    stream.close();
  });

  it('closes a session on every instance when it is revoked on one', async () => {
    const user = await createTestUser(first);
    const stream = await openSse(`${second.url}/api/events`, user.headers);
    await stream.next();
    first.app.context.hub.revokeSession(user.userId, user.sessionId);
    expect(await stream.next()).toMatchObject({ event: 'session_revoked' });
  });

  it('degrades without Redis, keeps committing, and fills the gap when Redis is back', async () => {
    const user = await createTestUser(first);
    const stream = await openSse(`${second.url}/api/events`, user.headers);
    await stream.next();

    await redis.stop();
    await waitFor(async () => (await readyz(first)).status === 'degraded');
    // Writes still commit and do not hang while the bus is down.
    const duringOutage = await commitTestChanges(first, user.userId, 3);
    expect(duringOutage.map((e) => e.seq)).toEqual([1, 2, 3]);

    await redis.start();
    await waitFor(async () => (await readyz(second)).status === 'ready');
    const frames = await stream.take(3, 8_000);
    expect(frames.map((f) => f.id)).toEqual(['1', '2', '3']);

    await commitTestChanges(first, user.userId, 1);
    expect((await stream.next())?.id).toBe('4');
    stream.close();
  });
});
