import type { GatewayConnection } from './gateway-connection';
import type { HeartbeatSlots } from './heartbeat-wheel';
import { SlottedSet } from './slotted-set';

/** Slots of the connections: the heartbeat pings one per twentieth of its interval. */
export const HEARTBEAT_SLOTS = 20;

export interface ConnectionCounts {
  total: number;
  authenticated: number;
}

/**
 * The live connections of this instance, by user, for status, revocation and shutdown, and in
 * slots for the heartbeat (heartbeat-wheel.ts).
 */
export class ConnectionRegistry implements HeartbeatSlots {
  private readonly connections = new SlottedSet<GatewayConnection>(HEARTBEAT_SLOTS);
  private readonly byUser = new Map<string, Set<GatewayConnection>>();

  add(connection: GatewayConnection): void {
    this.connections.add(connection);
  }

  authenticated(connection: GatewayConnection): void {
    const userId = connection.principal?.userId;
    if (!userId) return;
    let mine = this.byUser.get(userId);
    if (!mine) {
      mine = new Set();
      this.byUser.set(userId, mine);
    }
    mine.add(connection);
  }

  remove(connection: GatewayConnection): void {
    this.connections.delete(connection);
    const userId = connection.principal?.userId;
    const mine = userId ? this.byUser.get(userId) : undefined;
    if (!mine || !userId) return;
    mine.delete(connection);
    if (mine.size === 0) this.byUser.delete(userId);
  }

  get slotCount(): number {
    return this.connections.slotCount;
  }

  slot(index: number): ReadonlySet<GatewayConnection> {
    return this.connections.slot(index);
  }

  /** A snapshot: safe to iterate while connections end. */
  all(): GatewayConnection[] {
    return [...this.connections];
  }

  ofUser(userId: string): GatewayConnection[] {
    return [...(this.byUser.get(userId) ?? [])];
  }

  counts(): ConnectionCounts {
    let authenticated = 0;
    for (const mine of this.byUser.values()) authenticated += mine.size;
    return { total: this.connections.size, authenticated };
  }

  /** Connections per user, most first (the admin view of /websocket/status). */
  perUser(): { userId: string; deviceCount: number }[] {
    return [...this.byUser]
      .map(([userId, mine]) => ({ userId, deviceCount: mine.size }))
      .sort((a, b) => b.deviceCount - a.deviceCount);
  }
}
