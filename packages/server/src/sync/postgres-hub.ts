import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'drizzle-orm';
import type { Store } from '../store/database';
import type { ChangeLogReader } from './change-log-reader';
import {
  type BusRecoveredListener,
  countedSubscriptions,
  createMemoryHub,
  type SyncHub,
} from './hub';

/** The channel instances announce committed changes and revoked sessions on. */
export const BUS_CHANNEL = 'tidings_bus';

/**
 * A notification names a range of a user's log, never the events themselves: NOTIFY payloads
 * are capped at 8000 bytes, and the log already holds every event.
 */
type BusMessage =
  | { kind: 'events'; from: string; userId: string; after: number; until: number; origin?: string }
  | { kind: 'revoked'; from: string; userId: string; sessionId: string };

function parseBusMessage(payload: string): BusMessage | null {
  try {
    const message = JSON.parse(payload) as Partial<BusMessage>;
    if (typeof message.from !== 'string' || typeof message.userId !== 'string') return null;
    if (message.kind === 'events' && Number.isInteger(message.after)) return message as BusMessage;
    if (message.kind === 'revoked' && typeof message.sessionId === 'string') {
      return message as BusMessage;
    }
  } catch {
    // A malformed notification is ignored: the change log still has every change.
  }
  return null;
}

/**
 * LISTEN/NOTIFY as the bus between instances that share a real Postgres but no Redis. Events go
 * to this instance's connections at once; the others are told which seqs to read from the log.
 * While the listening connection is down the hub says `degraded`, and when it is back every live
 * connection catches up from the log (`onBusRecovered`), as with Redis.
 */
export async function createPostgresHub(deps: {
  store: Store;
  reader: ChangeLogReader;
  log: Pick<FastifyBaseLogger, 'warn' | 'info'>;
}): Promise<SyncHub> {
  const { store, reader, log } = deps;
  const instanceId = randomUUID();
  const local = createMemoryHub();
  const recoveredListeners = new Set<BusRecoveredListener>();
  const subscriptions = countedSubscriptions(local);
  let listening = true;
  let notifyFailing = false;

  async function deliverRange(message: Extract<BusMessage, { kind: 'events' }>): Promise<void> {
    const events = await reader.read(
      message.userId,
      message.after,
      message.until - message.after,
      message.until,
    );
    for (const event of events) local.publish(message.userId, [event], message.origin);
  }

  function onNotification(payload: string): void {
    const message = parseBusMessage(payload);
    if (!message || message.from === instanceId) return;
    if (message.kind === 'revoked') {
      local.revokeSession(message.userId, message.sessionId);
      return;
    }
    if (!subscriptions.has(message.userId)) return; // nobody here to deliver to
    deliverRange(message).catch((error: unknown) =>
      log.warn({ err: error }, 'could not read announced changes; connections catch up later'),
    );
  }

  const unlisten = await store.listen(BUS_CHANNEL, {
    onNotification,
    onDisconnect() {
      listening = false;
      log.warn('postgres bus lost its listening connection; delivering locally only');
    },
    onReconnect() {
      listening = true;
      log.info('postgres bus is back; live connections catch up from the change log');
      for (const listener of recoveredListeners) listener();
    },
  });

  function announce(message: BusMessage): void {
    store.db.execute(sql`select pg_notify(${BUS_CHANNEL}, ${JSON.stringify(message)})`).then(
      () => (notifyFailing = false),
      (error: unknown) => {
        if (!notifyFailing) log.warn({ err: error }, 'postgres bus could not announce a change');
        notifyFailing = true;
      },
    );
  }

  return {
    publish(userId, events, originId) {
      local.publish(userId, events, originId);
      const first = events[0];
      const last = events[events.length - 1];
      if (!first || !last) return;
      announce({
        kind: 'events',
        from: instanceId,
        userId,
        after: first.seq - 1,
        until: last.seq,
        ...(originId ? { origin: originId } : {}),
      });
    },
    deliverLocally: (userId, events) => local.publish(userId, events),
    subscribe: subscriptions.subscribe,
    // One LISTEN for every user, open since the start.
    whenSubscribed: subscriptions.whenSubscribed,
    revokeSession(userId, sessionId) {
      local.revokeSession(userId, sessionId);
      announce({ kind: 'revoked', from: instanceId, userId, sessionId });
    },
    onSessionRevoked: (listener) => local.onSessionRevoked(listener),
    onBusRecovered(listener) {
      recoveredListeners.add(listener);
      return () => recoveredListeners.delete(listener);
    },
    status: () => (listening && !notifyFailing ? 'ok' : 'degraded'),
    close: () => unlisten(),
  };
}
