import type { SyncEvent } from '@tidings/protocol';
import type { SyncHub } from '../sync/hub';

/** A connection that takes its user's events. */
export interface FanoutMember {
  receive(event: SyncEvent, originId: string | undefined): void;
}

interface UserListeners {
  members: Set<FanoutMember>;
  unsubscribe: () => void;
}

/**
 * One hub subscription per user with connections on this instance, handed to each of them. A
 * user's devices share the subscription (and its bus channel) instead of holding one listener,
 * closure and unsubscribe function each: idle sockets are what a real-time server has most of.
 */
export class UserFanout {
  private readonly byUser = new Map<string, UserListeners>();

  constructor(private readonly hub: SyncHub) {}

  /**
   * Starts handing the user's events to `member`. Resolves once the bus has confirmed the user's
   * subscription (see SyncHub.whenSubscribed): from then on no committed change can miss it.
   */
  add(userId: string, member: FanoutMember): Promise<void> {
    let listeners = this.byUser.get(userId);
    if (!listeners) {
      const members = new Set<FanoutMember>();
      const unsubscribe = this.hub.subscribe(userId, (event, originId) => {
        for (const each of members) each.receive(event, originId);
      });
      listeners = { members, unsubscribe };
      this.byUser.set(userId, listeners);
    }
    listeners.members.add(member);
    return this.hub.whenSubscribed(userId);
  }

  remove(userId: string, member: FanoutMember): void {
    const listeners = this.byUser.get(userId);
    if (!listeners?.members.delete(member) || listeners.members.size > 0) return;
    this.byUser.delete(userId);
    listeners.unsubscribe();
  }
}
