import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type {
  ConnectionSlots,
  Limits,
  NonceStore,
  SlidingWindowLimiter,
  WindowCheck,
} from './limits';
import { createMemoryConnectionSlots } from './memory-connection-slots';
import { createMemoryNonceStore } from './memory-nonces';
import { createMemorySlidingWindow, type MemorySlidingWindow } from './memory-window';
import { RedisGuard } from './redis-guard';
import { RollingShares } from './rolling-shares';
import { ACQUIRE_SLOT_SCRIPT, runScript, SLIDING_WINDOW_SCRIPT } from './redis-scripts';

export interface RedisLimitsOptions {
  url: string;
  /** Every key starts with this; instances of one cluster must share it. */
  keyPrefix: string;
  commandTimeoutMs: number;
  wsMessages: { max: number; windowMs: number };
  loginFailures: { max: number; windowMs: number };
  nonceMemoryMaxEntries: number;
  /** WS_MAX_NONCES: the in-process share of one user. */
  nonceMemoryMaxPerUser?: number;
  connectionLeaseMs: number;
  /** How often every slot held here is renewed; a third of the lease unless set. */
  renewalRoundMs?: number;
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>;
  /** The clock; instances of one cluster compare their times, so keep them in NTP sync. */
  now?: () => number;
}

/** Ticks per renewal round (a third of a lease): each renews its share of the users' slots. */
const RENEWAL_SLICES = 20;

export interface RedisLimits extends Limits {
  /** Renews this instance's connection-slot leases now (also done every third of a lease). */
  renewSlots(): Promise<void>;
}

/**
 * Limits shared by every instance through Redis, each with the in-process implementation as its
 * fallback while Redis is unreachable (status 'degraded'): then each instance enforces the limits
 * on its own traffic, which is weaker but never blocks and never fails open entirely.
 */
export function createRedisLimits(options: RedisLimitsOptions): RedisLimits {
  const { keyPrefix } = options;
  const now = options.now ?? Date.now;
  const instanceTag = randomUUID().slice(0, 8);
  let sequence = 0;
  const localSlots = createMemoryConnectionSlots();
  const guard = new RedisGuard({
    url: options.url,
    commandTimeoutMs: options.commandTimeoutMs,
    log: options.log,
    // Slots taken while Redis was away are announced as soon as it is back.
    onReady: () => void renewSlots(),
  });

  function slidingWindow(name: string, max: number, windowMs: number) {
    const local = createMemorySlidingWindow({ max, windowMs, now });
    const keyOf = (key: string) => `${keyPrefix}window:${name}:${key}`;
    async function check(key: string, record: boolean): Promise<WindowCheck> {
      const at = now();
      const member = `${at}:${instanceTag}:${sequence++}`;
      const reply = (await runScript(
        guard.client,
        SLIDING_WINDOW_SCRIPT,
        [keyOf(key)],
        [at, windowMs, max, record ? '1' : '0', member],
      )) as [number, number];
      return { allowed: reply[0] === 1, retryAfterMs: reply[1] };
    }
    const limiter: SlidingWindowLimiter & { local: MemorySlidingWindow } = {
      local,
      hit: (key) =>
        guard.run(
          () => check(key, true),
          () => local.hitNow(key),
        ),
      peek: (key) =>
        guard.run(
          () => check(key, false),
          () => local.peekNow(key),
        ),
      async reset(key) {
        local.resetNow(key);
        await guard.run(
          async (client) => void (await client.del(keyOf(key))),
          () => undefined,
        );
      },
    };
    return limiter;
  }

  // Every nonce is remembered here too, so a message accepted while Redis was down cannot be
  // replayed against this instance after Redis comes back.
  const localNonces = createMemoryNonceStore({
    maxEntries: options.nonceMemoryMaxEntries,
    maxPerScope: options.nonceMemoryMaxPerUser,
    now,
  });
  const nonces: NonceStore = {
    async remember(scope, nonce, ttlMs) {
      if (!localNonces.rememberNow(scope, nonce, ttlMs)) return false;
      return guard.run(
        async (client) => {
          const key = `${keyPrefix}nonce:${scope}:${nonce}`;
          const ttl = Math.max(1, Math.ceil(ttlMs));
          return (await client.set(key, '1', 'PX', ttl, 'NX')) === 'OK';
        },
        () => true,
      );
    },
  };

  const slotKey = (userId: string) => `${keyPrefix}connections:${userId}`;
  const leaseMs = options.connectionLeaseMs;

  /**
   * Renews the leases of these users' slots held here, one ZADD per user; the slots of a killed
   * instance simply lapse.
   */
  async function renew(userIds: Iterable<string>): Promise<void> {
    await guard.run(
      async (client) => {
        const pipeline = client.pipeline();
        const expiresAt = now() + leaseMs;
        for (const userId of userIds) {
          const connectionIds = localSlots.byUser.get(userId);
          if (!connectionIds) continue;
          const members = [...connectionIds].flatMap((connectionId) => [expiresAt, connectionId]);
          pipeline.zadd(slotKey(userId), ...members);
          pipeline.pexpire(slotKey(userId), leaseMs);
        }
        if (pipeline.length > 0) await pipeline.exec();
      },
      () => undefined,
    );
  }
  function renewSlots(): Promise<void> {
    return renew(localSlots.byUser.keys());
  }
  // Every third of a lease, each user's slots are renewed once, a twentieth of the users at a
  // time: building one pipeline with a ZADD per connection took 30 to 36 ms on the event loop
  // for 10,000 connections (a scratch measurement), before any reply was read.
  const renewals = new RollingShares(localSlots.byUser, RENEWAL_SLICES);
  const renewer = setInterval(
    () => void renew(renewals.next()),
    Math.max(1, (options.renewalRoundMs ?? leaseMs / 3) / RENEWAL_SLICES),
  );
  renewer.unref();

  const connections: ConnectionSlots = {
    async acquire(userId, connectionId, max) {
      if (!localSlots.acquireNow(userId, connectionId, max)) return false;
      const held = await guard.run(
        async (client) =>
          (await runScript(
            client,
            ACQUIRE_SLOT_SCRIPT,
            [slotKey(userId)],
            [now(), leaseMs, max, connectionId],
          )) === 1,
        () => true,
      );
      if (!held) localSlots.releaseNow(userId, connectionId);
      return held;
    },
    async release(userId, connectionId) {
      localSlots.releaseNow(userId, connectionId);
      await guard.run(
        async (client) => void (await client.zrem(slotKey(userId), connectionId)),
        () => undefined,
      );
    },
    count: (userId) =>
      guard.run(
        (client) => client.zcount(slotKey(userId), `(${now()}`, '+inf'),
        () => localSlots.countNow(userId),
      ),
  };

  const wsMessages = slidingWindow('ws', options.wsMessages.max, options.wsMessages.windowMs);
  const loginFailures = slidingWindow(
    'login',
    options.loginFailures.max,
    options.loginFailures.windowMs,
  );

  return {
    wsMessages,
    loginFailures,
    nonces,
    connections,
    status: () => guard.status(),
    renewSlots,
    async close() {
      clearInterval(renewer);
      wsMessages.local.close();
      loginFailures.local.close();
      // Give back this instance's slots now rather than when their leases lapse.
      await guard.run(
        async (client) => {
          const pipeline = client.pipeline();
          for (const [userId, connectionIds] of localSlots.byUser) {
            pipeline.zrem(slotKey(userId), ...connectionIds);
          }
          if (pipeline.length > 0) await pipeline.exec();
        },
        () => undefined,
      );
      await guard.close();
    },
  };
}
