import type { ConnectionSlots } from './limits';

export interface MemoryConnectionSlots extends ConnectionSlots {
  acquireNow(userId: string, connectionId: string, max: number): boolean;
  releaseNow(userId: string, connectionId: string): void;
  countNow(userId: string): number;
  /** Every slot held, by user, for re-announcing them to Redis: the live map itself. */
  readonly byUser: ReadonlyMap<string, ReadonlySet<string>>;
}

/** The connections of each user in this process; a user with none has no entry. */
export function createMemoryConnectionSlots(): MemoryConnectionSlots {
  const slotsByUser = new Map<string, Set<string>>();

  function acquireNow(userId: string, connectionId: string, max: number): boolean {
    const slots = slotsByUser.get(userId);
    if (slots?.has(connectionId)) return true;
    if ((slots?.size ?? 0) >= max) return false;
    if (slots) slots.add(connectionId);
    else slotsByUser.set(userId, new Set([connectionId]));
    return true;
  }

  function releaseNow(userId: string, connectionId: string): void {
    const slots = slotsByUser.get(userId);
    if (!slots) return;
    slots.delete(connectionId);
    if (slots.size === 0) slotsByUser.delete(userId);
  }

  const countNow = (userId: string): number => slotsByUser.get(userId)?.size ?? 0;

  return {
    acquireNow,
    releaseNow,
    countNow,
    byUser: slotsByUser,
    acquire: async (userId, connectionId, max) => acquireNow(userId, connectionId, max),
    release: async (userId, connectionId) => releaseNow(userId, connectionId),
    count: async (userId) => countNow(userId),
  };
}
