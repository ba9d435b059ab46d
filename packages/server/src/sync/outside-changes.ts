import { and, asc, gte, sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/database';
import type { Unlisten } from '../store/listen';
import { changeLog } from '../store/schema';
import type { ChangeLogReader } from './change-log-reader';
import { eventFromStored } from './change-log-payload';
import type { SyncHub } from './hub';

/** The channel the outside-writer triggers (migration 0001) notify on. */
export const OUTSIDE_CHANGES_CHANNEL = 'tidings_changes';
/**
 * After the listening connection comes back, outside changes logged since this long before it
 * dropped are published again: `created_at` is the writing transaction's start, so a transaction
 * that began before the drop and committed after it is still covered. Duplicates are harmless:
 * delivery drops any seq a connection already has.
 */
const RECONNECT_LOOKBACK_MS = 60_000;
const RECONNECT_MAX_EVENTS = 10_000;

interface Notification {
  userId: string;
  seq: number;
}

function parseNotification(payload: string): Notification | null {
  try {
    const value = JSON.parse(payload) as Partial<Notification>;
    if (typeof value.userId === 'string' && Number.isInteger(value.seq)) {
      return { userId: value.userId, seq: value.seq as number };
    }
  } catch {
    // fall through: a malformed notification is ignored, the log still has the change
  }
  return null;
}

/**
 * Relays changes that other services wrote straight to the database: the triggers log them and
 * NOTIFY; this reads each from the log and delivers it like any change made through Tidings.
 * Every instance hears the NOTIFY itself, so each delivers only to its own connections.
 */
export async function startOutsideChangeRelay(deps: {
  store: Store;
  reader: ChangeLogReader;
  hub: SyncHub;
  log: FastifyBaseLogger;
}): Promise<Unlisten> {
  const { store, reader, hub, log } = deps;
  let disconnectedAt = Date.now();

  async function relay(notification: Notification): Promise<void> {
    const [event] = await reader.read(notification.userId, notification.seq - 1, 1);
    if (event && event.seq === notification.seq) hub.deliverLocally(notification.userId, [event]);
  }

  async function republishSince(since: Date): Promise<void> {
    const rows = await store.db
      .select({
        userId: changeLog.userId,
        seq: changeLog.seq,
        type: changeLog.type,
        payload: changeLog.payload,
      })
      .from(changeLog)
      .where(
        and(gte(changeLog.createdAt, since), sql`${changeLog.payload}->>'fromUserId' = 'server'`),
      )
      .orderBy(asc(changeLog.userId), asc(changeLog.seq))
      .limit(RECONNECT_MAX_EVENTS);
    for (const row of rows) {
      hub.deliverLocally(row.userId, [eventFromStored(row.type, row.seq, row.payload)]);
    }
    log.info({ events: rows.length }, 'outside-change listener reconnected; republished');
  }

  return store.listen(OUTSIDE_CHANGES_CHANNEL, {
    onNotification(payload) {
      const notification = parseNotification(payload);
      if (!notification) return;
      relay(notification).catch((error: unknown) =>
        log.warn({ err: error }, 'could not relay an outside change'),
      );
    },
    onDisconnect() {
      disconnectedAt = Date.now();
      log.warn('outside-change listener lost its connection; reconnecting');
    },
    onReconnect() {
      republishSince(new Date(disconnectedAt - RECONNECT_LOOKBACK_MS)).catch((error: unknown) =>
        log.warn({ err: error }, 'could not republish outside changes after a reconnect'),
      );
    },
    onError(error) {
      log.debug({ err: error }, 'outside-change listener error');
    },
  });
}
