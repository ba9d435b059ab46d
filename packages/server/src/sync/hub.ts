import type { SyncEvent } from '@tidings/protocol';

/** Receives a user's committed events; `originId` names the connection that caused them. */
export type EventListener = (event: SyncEvent, originId: string | undefined) => void;
/** Told when a session (refresh family) is revoked, so its live connections can be closed. */
export type SessionRevokedListener = (userId: string, sessionId: string) => void;
/** Told when the bus between instances works again after an outage: events may have been missed. */
export type BusRecoveredListener = () => void;

/**
 * Carries committed changes to every live connection of a user. It knows nothing of sockets:
 * the gateway and the SSE route subscribe. The change log stays the source of truth; losing a
 * hub message never loses a change.
 */
export interface SyncHub {
  publish(userId: string, events: readonly SyncEvent[], originId?: string): void;
  /**
   * Delivers to this instance's connections only: for events every instance learns of by
   * itself (changes written outside Tidings, announced to all by the database).
   */
  deliverLocally(userId: string, events: readonly SyncEvent[]): void;
  subscribe(userId: string, listener: EventListener): () => void;
  /**
   * Resolves once events published for `userId` on any instance reach this instance's
   * subscribers (the bus has confirmed the user's channel). A connection reads the user's latest
   * seq only after this: a change committed in between would otherwise reach neither the read
   * nor the subscription. Resolves (never rejects) when the bus is down: the catch-up after it
   * recovers covers that window.
   */
  whenSubscribed(userId: string): Promise<void>;
  revokeSession(userId: string, sessionId: string): void;
  onSessionRevoked(listener: SessionRevokedListener): () => void;
  /**
   * While the bus was down, other instances' events did not arrive: each live connection should
   * catch up from the change log when this fires. Never fires for the single-process hub.
   */
  onBusRecovered(listener: BusRecoveredListener): () => void;
  /** `degraded` while the bus between instances is unreachable (local delivery still works). */
  status(): 'ok' | 'degraded';
  close(): Promise<void>;
}

/** The single-process hub of the embedded default. */
export function createMemoryHub(): SyncHub {
  const listenersByUser = new Map<string, Set<EventListener>>();
  const revokedListeners = new Set<SessionRevokedListener>();

  return {
    publish(userId, events, originId) {
      const listeners = listenersByUser.get(userId);
      if (!listeners) return;
      for (const event of events) {
        for (const listener of listeners) listener(event, originId);
      }
    },
    deliverLocally(userId, events) {
      this.publish(userId, events);
    },
    subscribe(userId, listener) {
      let listeners = listenersByUser.get(userId);
      if (!listeners) {
        listeners = new Set();
        listenersByUser.set(userId, listeners);
      }
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) listenersByUser.delete(userId);
      };
    },
    // In one process a subscription is live as soon as it is made.
    whenSubscribed: () => Promise.resolve(),
    revokeSession(userId, sessionId) {
      for (const listener of revokedListeners) listener(userId, sessionId);
    },
    onSessionRevoked(listener) {
      revokedListeners.add(listener);
      return () => revokedListeners.delete(listener);
    },
    onBusRecovered: () => () => undefined,
    status: () => 'ok',
    close: async () => undefined,
  };
}

/**
 * Subscriptions to an in-process hub, counted per user, for the buses between instances: they
 * listen for a user's events from elsewhere only while that user has a connection here.
 */
export function countedSubscriptions(
  local: SyncHub,
  hooks: {
    /** The user's first subscription here: start listening; resolves once the bus confirms. */
    first?(userId: string): Promise<void> | void;
    last?(userId: string): void;
  } = {},
): Pick<SyncHub, 'subscribe' | 'whenSubscribed'> & { has(userId: string): boolean } {
  const countByUser = new Map<string, number>();
  /** The bus's confirmation of each subscribed user's channel, while it is pending. */
  const confirming = new Map<string, Promise<void>>();
  return {
    has: (userId) => countByUser.has(userId),
    whenSubscribed: (userId) => confirming.get(userId) ?? Promise.resolve(),
    subscribe(userId, listener) {
      const unsubscribe = local.subscribe(userId, listener);
      const count = (countByUser.get(userId) ?? 0) + 1;
      countByUser.set(userId, count);
      if (count === 1) {
        const confirmed = hooks.first?.(userId);
        if (confirmed) {
          const settled = confirmed.then(
            () => undefined,
            () => undefined,
          );
          confirming.set(userId, settled);
          void settled.then(() => {
            if (confirming.get(userId) === settled) confirming.delete(userId);
          });
        }
      }
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        unsubscribe();
        const remaining = (countByUser.get(userId) ?? 1) - 1;
        if (remaining > 0) {
          countByUser.set(userId, remaining);
          return;
        }
        countByUser.delete(userId);
        confirming.delete(userId);
        hooks.last?.(userId);
      };
    },
  };
}
