import type { PendingSyncEvent, SyncEvent } from '@tidings/protocol';
import { eq, sql } from 'drizzle-orm';
import type { Database, Transaction } from '../store/database';
import { changeLog, users } from '../store/schema';
import { toStoredPayload } from '../sync/change-log-payload';
import type { SyncHub } from '../sync/hub';

/** Who is making a change, and through which connection (so it is not echoed back to it). */
export interface ChangeContext {
  userId: string;
  /** The WebSocket or SSE connection id the change came through, if any. */
  originId?: string | undefined;
  /** The signed-in session making the change, when known (groups a device's edits in history). */
  sessionId?: string | undefined;
}

export interface ChangeDeps {
  db: Database;
  hub: SyncHub;
}

export type Emit = (event: PendingSyncEvent) => void;

/**
 * Runs one change in one transaction: the work writes its rows and emits its events; the events
 * get consecutive seqs from the user's row and land in the change log before commit; only after
 * commit are they published. Seqs are handed out last and under the user's row lock, so their
 * order is the commit order.
 */
export async function runChange<T>(
  deps: ChangeDeps,
  context: ChangeContext,
  work: (tx: Transaction, emit: Emit) => Promise<T>,
): Promise<{ result: T; events: SyncEvent[] }> {
  const { result, events } = await deps.db.transaction(async (tx) => {
    // Tells the outside-writer triggers (migration 0001) that Tidings logs this change itself.
    await tx.execute(sql`select set_config('tidings.app_write', 'on', true)`);
    const pending: PendingSyncEvent[] = [];
    const result = await work(tx, (event) => pending.push(event));
    const events = await appendToChangeLog(tx, context.userId, pending);
    return { result, events };
  });
  if (events.length > 0) deps.hub.publish(context.userId, events, context.originId);
  return { result, events };
}

async function appendToChangeLog(
  tx: Transaction,
  userId: string,
  pending: readonly PendingSyncEvent[],
): Promise<SyncEvent[]> {
  if (pending.length === 0) return [];
  const [row] = await tx
    .update(users)
    .set({ lastSeq: sql`${users.lastSeq} + ${pending.length}` })
    .where(eq(users.id, userId))
    .returning({ lastSeq: users.lastSeq });
  if (!row) throw new Error('change for a user that does not exist');
  const firstSeq = row.lastSeq - pending.length + 1;
  const timestamp = Date.now();
  const events = pending.map(
    (event, index) =>
      ({ ...event, seq: firstSeq + index, timestamp, fromUserId: userId }) as SyncEvent,
  );
  await tx.insert(changeLog).values(
    events.map((event) => {
      const { type, seq, ...payload } = event;
      return { userId, seq, type, payload: toStoredPayload(payload) };
    }),
  );
  return events;
}
