import { randomUUID } from 'node:crypto';
import type { SyncEvent } from '@tidings/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { Redis, type RedisOptions } from 'ioredis';
import {
  type BusRecoveredListener,
  countedSubscriptions,
  createMemoryHub,
  type SyncHub,
} from './hub';

const USER_CHANNEL_PREFIX = 'tidings:user:';
const SESSIONS_CHANNEL = 'tidings:sessions';
/** How long a connect (and a user's first SUBSCRIBE while Redis is away) may take. */
const CONNECT_TIMEOUT_MS = 2_000;

interface EventsMessage {
  from: string;
  events: SyncEvent[];
}

interface RevokedMessage {
  from: string;
  userId: string;
  sessionId: string;
}

/**
 * Redis pub/sub between instances. Each instance subscribes to one channel per user that has a
 * live connection on it, so an instance only receives the events it can deliver. Events are
 * delivered locally first and published for the others; an instance ignores its own messages.
 *
 * Redis is a doorbell, not the record: when it is down, publishing fails fast (no offline queue),
 * local delivery goes on, `status()` says degraded, and when it is back every live connection
 * catches up from the change log (`onBusRecovered`).
 */
export async function createRedisHub(
  url: string,
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>,
): Promise<SyncHub> {
  const instanceId = randomUUID();
  const local = createMemoryHub();
  const options: RedisOptions = {
    // Fail fast instead of queueing while disconnected: callers must never hang on the bus.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    lazyConnect: true,
  };
  const publisher = new Redis(url, options);
  // The subscriber must queue its SUBSCRIBE commands until connected; it never blocks a caller.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true });
  const recoveredListeners = new Set<BusRecoveredListener>();
  const subscriptions = countedSubscriptions(local, {
    // While Redis is away the SUBSCRIBE waits in the offline queue: a connection must not wait
    // for it longer than a reconnect attempt (the catch-up after recovery covers that window).
    first: (userId) =>
      settleWithin(
        subscriber.subscribe(USER_CHANNEL_PREFIX + userId).then(() => undefined, markDegraded),
        CONNECT_TIMEOUT_MS,
      ),
    last: (userId) => {
      subscriber.unsubscribe(USER_CHANNEL_PREFIX + userId).catch(markDegraded);
    },
  });
  let everReady = false;
  let missedMessages = false;
  let degraded = false;

  function markDegraded(error?: unknown): void {
    if (!degraded) log.warn({ err: error }, 'redis bus unavailable; delivering locally only');
    degraded = true;
  }

  publisher.on('error', markDegraded);
  subscriber.on('error', markDegraded);
  // Anything published while the subscriber was away never reached this instance.
  subscriber.on('close', () => {
    if (everReady) missedMessages = true;
  });
  subscriber.on('ready', function subscriberOnReady() {
    everReady = true;
    if (publisher.status === 'ready') degraded = false;
    if (!missedMessages) return;
    missedMessages = false;
    log.info('redis bus is back; live connections catch up from the change log');
    for (const listener of recoveredListeners) listener();
  });
  publisher.on('ready', () => {
    if (subscriber.status === 'ready') degraded = false;
  });
  subscriber.on('message', function subscriberOnMessage(channel: string, raw: string) {
    try {
      if (channel === SESSIONS_CHANNEL) {
        const message = JSON.parse(raw) as RevokedMessage;
        if (message.from !== instanceId) local.revokeSession(message.userId, message.sessionId);
        return;
      }
      const message = JSON.parse(raw) as EventsMessage;
      if (message.from === instanceId) return;
      local.publish(channel.slice(USER_CHANNEL_PREFIX.length), message.events);
    } catch (error) {
      log.warn({ err: error }, 'ignored a malformed bus message');
    }
  });

  await Promise.all([publisher.connect(), subscriber.connect()]);
  await subscriber.subscribe(SESSIONS_CHANNEL);

  function send(channel: string, message: EventsMessage | RevokedMessage): void {
    if (publisher.status !== 'ready') {
      markDegraded();
      return;
    }
    publisher.publish(channel, JSON.stringify(message)).catch(markDegraded);
  }

  return {
    publish(userId, events, originId) {
      local.publish(userId, events, originId);
      send(USER_CHANNEL_PREFIX + userId, { from: instanceId, events: [...events] });
    },
    deliverLocally: (userId, events) => local.publish(userId, events),
    subscribe: subscriptions.subscribe,
    whenSubscribed: subscriptions.whenSubscribed,
    revokeSession(userId, sessionId) {
      local.revokeSession(userId, sessionId);
      send(SESSIONS_CHANNEL, { from: instanceId, userId, sessionId });
    },
    onSessionRevoked: (listener) => local.onSessionRevoked(listener),
    onBusRecovered(listener) {
      recoveredListeners.add(listener);
      return () => recoveredListeners.delete(listener);
    },
    status: () => (degraded || publisher.status !== 'ready' ? 'degraded' : 'ok'),
    async close() {
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/** Resolves when `promise` settles or after `ms`, whichever comes first; never rejects. */
function settleWithin(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
