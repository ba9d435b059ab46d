import type { SyncEvent } from '@tidings/protocol';
import { BATCH_QUERY_ON, BATCH_QUERY_PARAM, isErrorCode, messagesOfFrame } from '@tidings/protocol';
import { webSocketUrl } from '../base-url';
import { TidingsError } from '../errors';
import { signMessage } from './message-signing';
import type {
  ServerMessage,
  Transport,
  TransportClose,
  TransportEnd,
  TransportFactory,
  TransportHandlers,
  TransportParams,
} from './transport';

/** The parts of the WebSocket API the transport uses: the browser's, or the `ws` package's. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** Default: the platform's global WebSocket. Node 20 has none: pass `ws`'s. */
  WebSocket: WebSocketConstructor;
  /** Sign every message after `auth` with the connection's sessionSecret. */
  signMessages: boolean;
  /** Sends `ping` this often and gives up on a server that stays silent this long (ms). */
  heartbeatMs: number;
}

const OPEN = 1;

/** The sync events, which carry a change-log `seq`. */
const SYNC_EVENT_TYPES = new Set<string>([
  'note_sync',
  'note_created_sync',
  'note_deleted_sync',
  'folder_created_sync',
  'folder_updated_sync',
  'folder_deleted_sync',
]);

/**
 * `GET /ws`. The token travels only in the `auth` message (never in the URL, where proxies log
 * it); a browser's cookie may already authenticate the upgrade, and the `auth` message is then a
 * harmless refresh. Reconnects resume in the handshake (`since` with the credentials): the server
 * replays what was missed, then says `resumed`, or says it cannot (`resync_required`). The socket
 * opts in to batched frames (`batch=1`): a frame may hold several messages, handled one by one.
 */
export function webSocketTransport(options: WebSocketTransportOptions): TransportFactory {
  return (params, handlers) => new WebSocketTransport(options, params, handlers);
}

class WebSocketTransport implements Transport {
  readonly kind = 'websocket';
  private readonly socket: WebSocketLike;
  private authenticated = false;
  private ready = false;
  private done = false;
  private sessionSecret: string | null = null;
  private lastAuthFailure: string | null = null;
  private heartbeat: ReturnType<typeof setInterval> | null = null;
  private lastHeardAt = Date.now();
  /** Signing is async; this chain keeps messages in the order they were sent. */
  private outgoing: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: WebSocketTransportOptions,
    private readonly params: TransportParams,
    private readonly handlers: TransportHandlers,
  ) {
    // Resuming as part of the handshake (`since` in the URL for a cookie-authenticated upgrade,
    // and in the auth message) means no live event can arrive before the replay.
    const resumeFrom = params.since === null ? {} : { since: params.since };
    const url = new URL(webSocketUrl(params.baseUrl));
    url.searchParams.set(BATCH_QUERY_PARAM, BATCH_QUERY_ON);
    if (params.since !== null) url.searchParams.set('since', String(params.since));
    this.socket = new options.WebSocket(url.toString());
    this.socket.onopen = () => {
      this.write({ type: 'auth', token: params.accessToken, ...resumeFrom }, false);
      this.startHeartbeat();
    };
    this.socket.onmessage = (event) => this.onFrame(event.data);
    this.socket.onclose = (event) => this.finish(this.closeInfo(event.code, event.reason));
    // An error is always followed by close; close says why.
    this.socket.onerror = () => undefined;
  }

  send(message: object): boolean {
    if (!this.authenticated || this.done || this.socket.readyState !== OPEN) return false;
    this.write(message, this.options.signMessages);
    return true;
  }

  reauthenticate(accessToken: string): void {
    if (this.done || this.socket.readyState !== OPEN) return;
    this.write({ type: 'auth', token: accessToken }, false);
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.stopHeartbeat();
    this.socket.onmessage = null;
    this.socket.onclose = null;
    try {
      this.socket.close(1000, 'client-closed');
    } catch {
      // Closing a socket that never opened throws in some implementations; it is gone either way.
    }
  }

  private write(message: object, sign: boolean): void {
    this.outgoing = this.outgoing
      .then(async () => {
        if (this.done || this.socket.readyState !== OPEN) return;
        const framed =
          sign && this.sessionSecret && canSign()
            ? await signMessage(message, this.sessionSecret)
            : message;
        if (this.done || this.socket.readyState !== OPEN) return;
        this.socket.send(JSON.stringify(framed));
      })
      // One failed send must not stall every later one behind a rejected promise.
      .catch(() => undefined);
  }

  private onFrame(data: unknown): void {
    this.lastHeardAt = Date.now();
    for (const message of parseFrame(data)) {
      // A message may have closed the transport: like later frames, the rest of this one is ignored.
      if (this.done) return;
      this.onMessage(message);
    }
  }

  private onMessage(message: ServerMessage): void {
    switch (message.type) {
      case 'connection_established':
      case 'pong':
        return;
      case 'auth_success':
        this.onAuthenticated(message);
        return;
      case 'auth_refreshed':
        if (typeof message.sessionSecret === 'string') this.sessionSecret = message.sessionSecret;
        return;
      case 'auth_failed':
        this.lastAuthFailure = typeof message.reason === 'string' ? message.reason : 'auth-failed';
        return;
      case 'auth_expiring':
        this.handlers.signal({ kind: 'auth-expiring' });
        return;
      case 'resumed':
        // The answer to the resume of the handshake makes the connection ready; a later one
        // (a gap filled on a live connection) is news for the client only.
        if (this.ready) this.handlers.signal({ kind: 'message', message });
        this.becomeReady(numberOr(message.seq, this.params.since ?? 0));
        return;
      case 'resync_required': {
        const seq = numberOr(message.seq, 0);
        if (this.ready) this.handlers.signal({ kind: 'message', message });
        this.handlers.signal({ kind: 'resync-required', seq });
        this.becomeReady(seq);
        return;
      }
      default:
        if (SYNC_EVENT_TYPES.has(message.type) && typeof message.seq === 'number') {
          this.handlers.signal({ kind: 'event', event: message as unknown as SyncEvent });
          return;
        }
        // An error answering one of our messages goes to whoever sent it (by clientMsgId).
        if (message.type === 'error' && message.clientMsgId === undefined) {
          this.handlers.signal({ kind: 'error', error: toError(message) });
        }
        this.handlers.signal({ kind: 'message', message });
    }
  }

  private onAuthenticated(message: ServerMessage): void {
    // A second auth_success (cookie at the upgrade, then our auth message) changes nothing.
    if (typeof message.sessionSecret === 'string') this.sessionSecret = message.sessionSecret;
    if (this.authenticated) return;
    this.authenticated = true;
    // With a `since`, the server replays after auth_success and then says `resumed` (or
    // `resync_required`), which makes the connection ready.
    if (this.params.since === null) this.becomeReady(numberOr(message.seq, 0));
  }

  private becomeReady(seq: number): void {
    if (this.ready) return;
    this.ready = true;
    this.handlers.signal({ kind: 'ready', seq });
  }

  /** Close codes and reasons to what the client should do next. */
  private closeInfo(code: number, reason: string): TransportClose {
    const said = `${reason} ${this.lastAuthFailure ?? ''}`;
    let end: TransportEnd = 'closed';
    if (said.includes('session-revoked')) end = 'session-revoked';
    else if (said.includes('token-expired')) end = 'token-expired';
    else if (this.lastAuthFailure !== null || said.includes('auth-failed')) end = 'auth-failed';
    else if (code === 1001 || code === 1012 || code === 1013) end = 'server-restart';
    const error =
      end === 'session-revoked'
        ? new TidingsError('SESSION_REVOKED', 'The session has been revoked.', 401)
        : undefined;
    return { end, wasReady: this.ready, code, error };
  }

  private finish(info: TransportClose): void {
    if (this.done) return;
    this.close();
    this.handlers.closed(info);
  }

  /**
   * A connection can die without a close (a laptop lid, a NAT timeout): a server that has said
   * nothing, not even `pong`, for two intervals is presumed gone.
   */
  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => {
      if (Date.now() - this.lastHeardAt > 2 * this.options.heartbeatMs) {
        this.finish({ end: 'timeout', wasReady: this.ready });
        return;
      }
      if (this.authenticated) this.write({ type: 'ping' }, this.options.signMessages);
    }, this.options.heartbeatMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }
}

/**
 * Web Crypto's subtle API exists only in secure contexts (https, or a loopback address); a page on
 * plain http elsewhere sends unsigned, which servers accept unless they require signatures.
 */
function canSign(): boolean {
  return typeof globalThis.crypto?.subtle?.importKey === 'function';
}

/** The messages of a text frame, in order; anything that is not a message is skipped. */
function parseFrame(data: unknown): ServerMessage[] {
  if (typeof data !== 'string') return [];
  let frame: unknown;
  try {
    frame = JSON.parse(data);
  } catch {
    return [];
  }
  return messagesOfFrame(frame).filter(isServerMessage);
}

function isServerMessage(value: unknown): value is ServerMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as ServerMessage).type === 'string'
  );
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

/** An `error` message as a TidingsError; the conflicting note rides along in `details`. */
export function toError(message: ServerMessage): TidingsError {
  const code = isErrorCode(message.code) ? message.code : 'UNEXPECTED_RESPONSE';
  const text = typeof message.message === 'string' ? message.message : 'The server refused.';
  const details =
    message.details ?? (message.current !== undefined ? { current: message.current } : undefined);
  return new TidingsError(code, text, 0, details);
}
