import type { SyncEvent } from '@tidings/protocol';
import type { TidingsError } from '../errors';

export type TransportKind = 'websocket' | 'sse';

/** What a transport reports, the same for WebSocket and SSE. */
export type TransportSignal =
  /** Authenticated and caught up to `seq`; live events follow. */
  | { kind: 'ready'; seq: number }
  | { kind: 'event'; event: SyncEvent }
  /** The server cannot replay from our seq (pruned log): reload through REST. */
  | { kind: 'resync-required'; seq: number }
  /** The server warns that the access token expires soon (WebSocket `auth_expiring`). */
  | { kind: 'auth-expiring' }
  /** Any other server message (acknowledgements, errors), for the outbox and the app. */
  | { kind: 'message'; message: ServerMessage }
  | { kind: 'error'; error: TidingsError };

/** Why a transport ended. */
export type TransportEnd =
  'closed' | 'token-expired' | 'session-revoked' | 'auth-failed' | 'server-restart' | 'timeout';

export interface TransportClose {
  end: TransportEnd;
  /**
   * Whether it had reached `ready`: failures before that count towards the SSE fallback, unless
   * the server itself ended it (an auth answer, a restart's close code).
   */
  wasReady: boolean;
  code?: number;
  /** For `auth-failed`: the server's code. */
  error?: TidingsError;
}

/** A server message as JSON; its `type` says which. */
export interface ServerMessage {
  type: string;
  [field: string]: unknown;
}

export interface TransportHandlers {
  signal(signal: TransportSignal): void;
  /** Called once, when the transport is gone for good. */
  closed(info: TransportClose): void;
}

export interface TransportParams {
  baseUrl: string;
  accessToken: string;
  /** The last seq this client applied; null on a first connect. */
  since: number | null;
}

export interface Transport {
  readonly kind: TransportKind;
  /** Sends a message to the server; false when this transport cannot (SSE) or is not open. */
  send(message: object): boolean;
  /** Hands over a refreshed access token without losing the stream. */
  reauthenticate(accessToken: string): void;
  /** Ends the transport; `closed` is not called after this. */
  close(): void;
}

export type TransportFactory = (params: TransportParams, handlers: TransportHandlers) => Transport;
