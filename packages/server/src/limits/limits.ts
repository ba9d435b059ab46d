import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config';
import { createMemoryConnectionSlots } from './memory-connection-slots';
import { createMemoryNonceStore } from './memory-nonces';
import { createMemorySlidingWindow } from './memory-window';
import { createRedisLimits } from './redis-limits';

export interface WindowCheck {
  allowed: boolean;
  retryAfterMs: number;
}

/** Sliding-window counter; cluster-wide in Redis when REDIS_URL is set, in-process otherwise. */
export interface SlidingWindowLimiter {
  /** Records one event for key and says whether it is within the limit. */
  hit(key: string): Promise<WindowCheck>;
  /** Says whether one more event would be allowed, without recording it. */
  peek(key: string): Promise<WindowCheck>;
  reset(key: string): Promise<void>;
}

export interface NonceStore {
  /** True the first time (scope, nonce) is seen within ttlMs; false for a replay. Bounded memory. */
  remember(scope: string, nonce: string, ttlMs: number): Promise<boolean>;
}

export interface ConnectionSlots {
  /** Takes a slot for this connection if the user has fewer than max; cluster-wide with Redis. */
  acquire(userId: string, connectionId: string, max: number): Promise<boolean>;
  release(userId: string, connectionId: string): Promise<void>;
  count(userId: string): Promise<number>;
}

export interface Limits {
  /** Key: userId. WS_RATE_LIMIT_MAX_MESSAGES per WS_RATE_LIMIT_WINDOW_MS. */
  wsMessages: SlidingWindowLimiter;
  /** Keys `email:<lowercased>` and `ip:<address>`. LOGIN_MAX_FAILURES per LOGIN_FAILURE_WINDOW_MS. */
  loginFailures: SlidingWindowLimiter;
  nonces: NonceStore;
  connections: ConnectionSlots;
  /** 'degraded' while Redis is unreachable (the limiter then falls back to in-process counts). */
  status(): 'ok' | 'degraded';
  close(): Promise<void>;
}

/** The limits of one process, with no Redis: exact, bounded, and forgotten on restart. */
export function createMemoryLimits(config: Config, now: () => number = Date.now): Limits {
  const wsMessages = createMemorySlidingWindow({
    max: config.ws.rateLimitMaxMessages,
    windowMs: config.ws.rateLimitWindowMs,
    now,
  });
  const loginFailures = createMemorySlidingWindow({
    max: config.loginMaxFailures,
    windowMs: config.loginFailureWindowMs,
    now,
  });
  return {
    wsMessages,
    loginFailures,
    nonces: createMemoryNonceStore({
      maxEntries: config.ws.nonceMemoryMaxEntries,
      maxPerScope: config.ws.maxNoncesPerConnection,
      now,
    }),
    connections: createMemoryConnectionSlots(),
    status: () => 'ok',
    async close() {
      wsMessages.close();
      loginFailures.close();
    },
  };
}

/** Cluster-wide limits in Redis when REDIS_URL is set, otherwise this process's own. */
export function createLimits(config: Config, log: FastifyBaseLogger): Limits {
  if (!config.redisUrl) return createMemoryLimits(config);
  return createRedisLimits({
    url: config.redisUrl,
    keyPrefix: 'tidings:limits:',
    commandTimeoutMs: config.redisCommandTimeoutMs,
    wsMessages: { max: config.ws.rateLimitMaxMessages, windowMs: config.ws.rateLimitWindowMs },
    loginFailures: { max: config.loginMaxFailures, windowMs: config.loginFailureWindowMs },
    nonceMemoryMaxEntries: config.ws.nonceMemoryMaxEntries,
    nonceMemoryMaxPerUser: config.ws.maxNoncesPerConnection,
    connectionLeaseMs: config.ws.connectionLeaseMs,
    log,
  });
}
