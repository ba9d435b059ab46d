import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config';
import { createLimits, type Limits } from '../../src/limits/limits';
import { createRedisLimits, type RedisLimitsOptions } from '../../src/limits/redis-limits';
import { hasRedisServer, startPrivateRedis } from '../helpers/redis-server';
import { hasSharedRedis, SHARED_REDIS_URL } from '../helpers/shared-redis';

const silentLog = { warn: () => undefined, info: () => undefined };

/** A clock the test moves by hand, shared by the "instances" of one test. */
function manualClock(start = Date.now()): { now: () => number; advance(ms: number): void } {
  let current = start;
  return { now: () => current, advance: (ms) => void (current += ms) };
}

const open: Limits[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((limits) => limits.close()));
});

/**
 * Two Limits on one Redis and one key prefix, as two server instances of a cluster would be.
 * `second` overrides the second one's options further.
 */
function twoInstances(
  overrides: Partial<RedisLimitsOptions> = {},
  url = SHARED_REDIS_URL,
  second: Partial<RedisLimitsOptions> = {},
) {
  const options: RedisLimitsOptions = {
    url,
    keyPrefix: `test:limits:${randomUUID()}:`,
    commandTimeoutMs: 500,
    wsMessages: { max: 3, windowMs: 60_000 },
    loginFailures: { max: 2, windowMs: 60_000 },
    nonceMemoryMaxEntries: 1_000,
    connectionLeaseMs: 60_000,
    log: silentLog,
    ...overrides,
  };
  const instances = [
    createRedisLimits(options),
    createRedisLimits({ ...options, ...second }),
  ] as const;
  open.push(...instances);
  return instances;
}

describe.skipIf(!hasSharedRedis)('limits shared through Redis', () => {
  it('shares one sliding window between instances', async () => {
    const [a, b] = twoInstances();
    expect((await a.wsMessages.hit('user-1')).allowed).toBe(true);
    expect((await b.wsMessages.hit('user-1')).allowed).toBe(true);
    expect((await a.wsMessages.hit('user-1')).allowed).toBe(true);
    const refused = await b.wsMessages.hit('user-1');
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await a.wsMessages.peek('user-1')).allowed).toBe(false);
    expect((await a.wsMessages.hit('user-2')).allowed).toBe(true);
    // Login failures are a separate window with their own limit.
    expect((await a.loginFailures.peek('user-1')).allowed).toBe(true);
    await b.wsMessages.reset('user-1');
    expect((await a.wsMessages.hit('user-1')).allowed).toBe(true);
    expect(a.status()).toBe('ok');
  });

  it('slides on the shared clock and does not record refused events', async () => {
    const clock = manualClock();
    const [a, b] = twoInstances({ wsMessages: { max: 2, windowMs: 1_000 }, now: clock.now });
    await a.wsMessages.hit('u');
    clock.advance(600);
    await b.wsMessages.hit('u');
    clock.advance(100);
    expect(await a.wsMessages.hit('u')).toEqual({ allowed: false, retryAfterMs: 300 });
    expect(await b.wsMessages.peek('u')).toEqual({ allowed: false, retryAfterMs: 300 });
    clock.advance(300);
    expect((await b.wsMessages.hit('u')).allowed).toBe(true);
    expect((await a.wsMessages.hit('u')).allowed).toBe(false);
  });

  it('refuses on one instance a nonce remembered by the other', async () => {
    const [a, b] = twoInstances();
    expect(await a.nonces.remember('user-1', 'nonce-1', 60_000)).toBe(true);
    expect(await b.nonces.remember('user-1', 'nonce-1', 60_000)).toBe(false);
    expect(await a.nonces.remember('user-1', 'nonce-1', 60_000)).toBe(false);
    expect(await b.nonces.remember('user-2', 'nonce-1', 60_000)).toBe(true);
  });

  it('counts connection slots across instances', async () => {
    const [a, b] = twoInstances();
    expect(await a.connections.acquire('user-1', 'conn-a', 2)).toBe(true);
    expect(await b.connections.acquire('user-1', 'conn-b', 2)).toBe(true);
    expect(await a.connections.acquire('user-1', 'conn-c', 2)).toBe(false);
    expect(await b.connections.acquire('user-1', 'conn-d', 2)).toBe(false);
    // Taking a slot again for a connection that holds one is not a new connection.
    expect(await a.connections.acquire('user-1', 'conn-a', 2)).toBe(true);
    expect(await a.connections.count('user-1')).toBe(2);
    expect(await b.connections.count('user-1')).toBe(2);
    await b.connections.release('user-1', 'conn-b');
    expect(await a.connections.count('user-1')).toBe(1);
    expect(await a.connections.acquire('user-1', 'conn-c', 2)).toBe(true);
  });

  it("frees a killed instance's slots when their lease lapses; renewal keeps live ones", async () => {
    const clock = manualClock();
    // `killed` never renews on its own (as a SIGKILLed process would not); `survivor` only when
    // told to, so the test decides when renewals happen.
    const rounds = { renewalRoundMs: 3_600_000 };
    const [survivor, killed] = twoInstances(
      { connectionLeaseMs: 1_000, now: clock.now, ...rounds },
      SHARED_REDIS_URL,
      rounds,
    );
    expect(await killed.connections.acquire('user-1', 'doomed', 2)).toBe(true);
    expect(await survivor.connections.acquire('user-1', 'alive', 2)).toBe(true);
    expect(await survivor.connections.acquire('user-1', 'third', 2)).toBe(false);

    clock.advance(700);
    await survivor.renewSlots();
    clock.advance(700);
    expect(await survivor.connections.count('user-1')).toBe(1);
    expect(await survivor.connections.acquire('user-1', 'third', 2)).toBe(true);
  });

  it('renews the leases on its own, a share of the users at each tick of a round', async () => {
    const clock = manualClock();
    // Rounds of 200 ms, a tick every 10 ms; the clock moves at the same pace as the timers.
    const [instance, neighbour] = twoInstances({
      connectionLeaseMs: 600,
      renewalRoundMs: 200,
      now: clock.now,
    });
    for (let user = 0; user < 30; user++) {
      expect(await instance.connections.acquire(`user-${user}`, `conn-${user}`, 1)).toBe(true);
    }
    for (let elapsed = 0; elapsed < 1_500; elapsed += 20) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      clock.advance(20);
    }
    // Two and a half leases later every slot is still held, as the neighbour sees it.
    for (let user = 0; user < 30; user++) {
      expect(await neighbour.connections.count(`user-${user}`), `user-${user}`).toBe(1);
    }
  });

  it('is what createLimits builds when REDIS_URL is set', async () => {
    const config = loadConfig({ NODE_ENV: 'test', REDIS_URL: SHARED_REDIS_URL });
    const limits = createLimits(config, pino({ level: 'silent' }));
    open.push(limits);
    const nonce = randomUUID();
    expect(await limits.nonces.remember('scope', nonce, 1_000)).toBe(true);
    expect(limits.status()).toBe('ok');
  });
});

describe.skipIf(!hasRedisServer)('limits while Redis is down', () => {
  it('fall back to this instance, report degraded, never hang, and recover', async () => {
    const redis = await startPrivateRedis(17_379 + Math.floor(Math.random() * 1_000));
    try {
      const [a, b] = twoInstances({ commandTimeoutMs: 200 }, redis.url);
      expect(await a.connections.acquire('u', 'before', 5)).toBe(true);
      expect(await a.nonces.remember('u', 'before-outage', 60_000)).toBe(true);
      expect(a.status()).toBe('ok');

      await redis.stop();
      await waitFor(() => a.status() === 'degraded' && b.status() === 'degraded');

      // Every call answers from memory: this instance's own counts.
      expect((await a.wsMessages.hit('u')).allowed).toBe(true);
      expect((await a.wsMessages.hit('u')).allowed).toBe(true);
      expect((await a.wsMessages.hit('u')).allowed).toBe(true);
      expect((await a.wsMessages.hit('u')).allowed).toBe(false);
      expect(await a.nonces.remember('u', 'before-outage', 60_000)).toBe(false);
      expect(await a.nonces.remember('u', 'during-outage', 60_000)).toBe(true);
      expect(await a.nonces.remember('u', 'during-outage', 60_000)).toBe(false);
      expect(await a.connections.acquire('u', 'during', 5)).toBe(true);
      expect(await a.connections.count('u')).toBe(2);

      await redis.start();
      await waitFor(() => a.status() === 'ok' && b.status() === 'ok');
      // The slot taken during the outage was announced again (the private Redis lost its data).
      await waitFor(async () => (await b.connections.count('u')) === 2);
      // A nonce accepted here during the outage is still refused here afterwards.
      expect(await a.nonces.remember('u', 'during-outage', 60_000)).toBe(false);
      expect(await a.nonces.remember('u', 'after-outage', 60_000)).toBe(true);
      expect(await b.nonces.remember('u', 'after-outage', 60_000)).toBe(false);
    } finally {
      await redis.stop();
    }
  });

  it('do not hang on a Redis that accepts connections but does not answer', async () => {
    const redis = await startPrivateRedis(18_379 + Math.floor(Math.random() * 1_000));
    const admin = new Redis(redis.url);
    try {
      const [a] = twoInstances({ commandTimeoutMs: 200 }, redis.url);
      expect((await a.wsMessages.hit('u')).allowed).toBe(true);
      expect(a.status()).toBe('ok');
      // Every other client's commands now wait; ours must time out and fall back instead.
      await admin.call('CLIENT', 'PAUSE', '1500', 'ALL');
      expect(await a.nonces.remember('u', 'while-paused', 60_000)).toBe(true);
      expect(a.status()).toBe('degraded');
      // Within the pause, calls answer from memory straight away (the guard backs off).
      expect(await a.nonces.remember('u', 'while-paused', 60_000)).toBe(false);
      // The pause ends by itself; the guard's probe finds Redis answering again.
      await waitFor(() => a.status() === 'ok');
      expect((await a.wsMessages.hit('u')).allowed).toBe(true);
    } finally {
      admin.disconnect();
      await redis.stop();
    }
  });

  it('start in degraded mode when Redis is not there at all, answering from memory', async () => {
    const [a] = twoInstances({ commandTimeoutMs: 200 }, 'redis://127.0.0.1:1');
    expect(await a.nonces.remember('u', 'n', 1_000)).toBe(true);
    expect(await a.nonces.remember('u', 'n', 1_000)).toBe(false);
    expect(await a.connections.acquire('u', 'c', 1)).toBe(true);
    expect(await a.connections.acquire('u', 'd', 1)).toBe(false);
    expect(a.status()).toBe('degraded');
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 8_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
