import type { PendingSyncEvent, SyncEvent } from '@tidings/protocol';
import { toStoredPayload } from '../sync/change-log-payload';

export interface UserEvent {
  userId: string;
  event: PendingSyncEvent;
}

/** A change-log row before its seq is known: the user's `ord`-th event of the batch (from 1). */
export interface LogEntry {
  userId: string;
  ord: number;
  type: string;
  payload: Record<string, unknown>;
}

export interface BatchChangeLog {
  /** Events per user: the batch reserves that many seqs from each user's row. */
  counts: Map<string, number>;
  entries: LogEntry[];
  /** The events with their seqs, in input order, once each user's last seq before is known. */
  withSeqs(seqBefore: ReadonlyMap<string, number>): SyncEvent[];
}

/**
 * `appendToChangeLog` (run-change.ts) for the events of many users at once: each user's events
 * get consecutive seqs in the order given. The seqs are reserved and the rows inserted by the
 * batch's write statement (note-batch-statements.ts), so the payloads are built here first:
 * everything but the seq, which is the row's key and not part of the payload.
 */
export function planBatchChangeLog(items: readonly UserEvent[], now: Date): BatchChangeLog {
  const counts = new Map<string, number>();
  const timestamp = now.getTime();
  const entries = items.map(({ userId, event }) => {
    const ord = (counts.get(userId) ?? 0) + 1;
    counts.set(userId, ord);
    const { type, ...rest } = event;
    const payload = toStoredPayload({ ...rest, timestamp, fromUserId: userId });
    return { userId, ord, type, payload };
  });
  return {
    counts,
    entries,
    withSeqs(seqBefore) {
      return items.map(({ userId, event }, index) => {
        const before = seqBefore.get(userId);
        if (before === undefined) throw new Error('change for a user that does not exist');
        const seq = before + (entries[index] as LogEntry).ord;
        return { ...event, seq, timestamp, fromUserId: userId } as SyncEvent;
      });
    },
  };
}
