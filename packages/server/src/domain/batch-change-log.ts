import type { PendingSyncEvent, SyncEvent } from '@tidings/protocol';
import { asc, inArray, sql } from 'drizzle-orm';
import type { Transaction } from '../store/database';
import { changeLog, users } from '../store/schema';

export interface UserEvent {
  userId: string;
  event: PendingSyncEvent;
}

/**
 * `appendToChangeLog` (run-change.ts) for the events of many users at once: each user's events
 * get consecutive seqs in the order given, in three statements whatever the batch size. The
 * users' rows are locked in id order first (one row needs no order), so two transactions that
 * both touch several users never wait on each other in a circle. Returns the events with their
 * seqs, in input order.
 */
export async function appendBatchToChangeLog(
  tx: Transaction,
  items: readonly UserEvent[],
  now: Date,
): Promise<SyncEvent[]> {
  if (items.length === 0) return [];
  const counts = new Map<string, number>();
  for (const { userId } of items) counts.set(userId, (counts.get(userId) ?? 0) + 1);
  const userIds = [...counts.keys()].sort();
  if (userIds.length > 1) {
    await tx
      .select({ id: users.id })
      .from(users)
      .where(inArray(users.id, userIds))
      .orderBy(asc(users.id))
      .for('update');
  }
  const values = userIds.map((id) => sql`(${id}::uuid, ${counts.get(id)}::int)`);
  const result = (await tx.execute(sql`
    update users set last_seq = users.last_seq + v.n
    from (values ${sql.join(values, sql`, `)}) as v(id, n)
    where users.id = v.id
    returning users.id, users.last_seq`)) as unknown as {
    rows: { id: string; last_seq: string | number | bigint }[];
  };
  // The next seq to hand out per user: the first of the block the update reserved.
  const nextSeq = new Map<string, number>();
  for (const row of result.rows) {
    nextSeq.set(row.id, Number(row.last_seq) - (counts.get(row.id) ?? 0) + 1);
  }
  const timestamp = now.getTime();
  const events = items.map(({ userId, event }) => {
    const seq = nextSeq.get(userId);
    if (seq === undefined) throw new Error('change for a user that does not exist');
    nextSeq.set(userId, seq + 1);
    return { ...event, seq, timestamp, fromUserId: userId } as SyncEvent;
  });
  await tx.insert(changeLog).values(
    events.map((event, index) => {
      const { type, seq, ...payload } = event;
      return { userId: (items[index] as UserEvent).userId, seq, type, payload };
    }),
  );
  return events;
}
