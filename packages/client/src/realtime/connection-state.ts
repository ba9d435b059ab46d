/** The connection states a status indicator shows. */
export enum ConnectionState {
  /** Not connected and not trying: before `connect()`, after `disconnect()` or a session end. */
  Closed = 'closed',
  /** The first attempt after `connect()`. */
  Connecting = 'connecting',
  /** Authenticated, caught up, receiving live events. */
  Connected = 'connected',
  /** Lost the connection; the next attempt waits for its backoff delay. */
  Reconnecting = 'reconnecting',
  /** The platform says there is no network; attempts resume when it is back. */
  Offline = 'offline',
}

/** Why the client left a state; grouped by the transition they cause. */
export const DisconnectReason = {
  // -> Closed: the client will not reconnect on its own.
  Requested: 'requested',
  SessionEnded: 'session-ended',
  // -> Reconnecting: the next attempt follows after a backoff delay.
  TransportClosed: 'transport-closed',
  TokenExpired: 'token-expired',
  ServerRestart: 'server-restart',
  ConnectTimeout: 'connect-timeout',
  // -> Offline: waits for the platform's `online` event.
  NetworkOffline: 'network-offline',
} as const;

export type DisconnectReason = (typeof DisconnectReason)[keyof typeof DisconnectReason];

export interface StateChange {
  oldState: ConnectionState;
  newState: ConnectionState;
  reason?: DisconnectReason;
}
