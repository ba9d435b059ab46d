import type { SyncEvent } from '@tidings/protocol';
import { backoff, backoffAtLeastHalf, type BackoffOptions, DEFAULT_BACKOFF } from '../backoff';
import type { ClientCore } from '../client';
import { Emitter } from '../emitter';
import { clientError, endsSession, TidingsError } from '../errors';
import { ConnectionState, DisconnectReason, type StateChange } from './connection-state';
import { type OnlineSignal, platformOnlineSignal } from './online-signal';
import { DEFAULT_WEBSOCKET_RETRY } from './websocket-retry';
import type {
  ServerMessage,
  Transport,
  TransportClose,
  TransportFactory,
  TransportKind,
  TransportEnd,
  TransportSignal,
} from './transport';

export interface RealtimeEvents {
  /** Every state change, with the old and the new state and why. */
  state: StateChange;
  /** A change event, in seq order, each exactly once. */
  event: SyncEvent;
  /** Connected and caught up to `seq`. */
  ready: { seq: number; transport: TransportKind };
  /** The server could not replay from our seq: reload everything through REST. */
  resync: { seq: number };
  /** Server messages other than change events (acknowledgements, errors). */
  message: ServerMessage;
  error: TidingsError;
  /** The session is over (logout elsewhere, revoked): sign in again. */
  sessionEnded: TidingsError;
}

export interface RealtimeOptions {
  /** `auto` (default): WebSocket, falling back to SSE when WebSocket keeps failing. */
  transport?: 'auto' | 'websocket' | 'sse';
  /** Reconnect delays. Default 500 ms doubling up to 20 s, full jitter. */
  backoff?: BackoffOptions;
  /** Refresh the access token this long before it expires (ms). Default 60,000; at most a third of its lifetime. */
  refreshBeforeExpiryMs?: number;
  /** An attempt that is not caught up within this time is abandoned (ms). Default 15,000. */
  connectTimeoutMs?: number;
  /**
   * WebSocket attempts in a row that fail before being ready, then SSE. Default 2. They count
   * only while the server answers HTTP: a WebSocket that fails because the server is down (a
   * restart) says nothing about WebSockets being blocked.
   */
  webSocketFailuresBeforeFallback?: number;
  /** Whether the server serves HTTP. Default: a 2xx answer to `GET /healthz` within 3 s. */
  serverReachable?: () => Promise<boolean>;
  /** Default: the browser's navigator.onLine and online/offline events; always online in Node. */
  onlineSignal?: OnlineSignal;
  /** Resume from this seq on the first connect (an app that persisted its last seq). */
  since?: number | null;
  /**
   * After falling back to SSE (`transport: 'auto'`), try WebSocket again after these delays
   * (growing per failed try, jittered; default 45 s doubling up to 10 min) and switch back when
   * it works, resuming from the last seq. `false`: stay on SSE until the page reloads.
   */
  webSocketRetry?: BackoffOptions | false;
}

export interface TransportFactories {
  websocket: TransportFactory | null;
  sse: TransportFactory;
}

const DEFAULT_REFRESH_BEFORE_EXPIRY_MS = 60_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 15_000;
/** A token handed to a new connection must outlive its handshake. */
const MIN_TOKEN_VALIDITY_MS = 1_000;
/**
 * Ends only a server reached over the WebSocket can give (an auth answer, a restart's close
 * code): that WebSocket was not blocked, so it does not count towards the SSE fallback.
 */
const SAID_BY_THE_SERVER: ReadonlySet<TransportEnd> = new Set<TransportEnd>([
  'auth-failed',
  'token-expired',
  'session-revoked',
  'server-restart',
]);

/**
 * The live connection: one explicit state machine (ConnectionState) with one `setState`, one
 * teardown path, reconnects with capped full-jitter backoff (reset once connected, paused while
 * offline), in-band token refresh before expiry, resume from the last applied seq, and a fallback
 * from WebSocket to SSE.
 */
export class RealtimeClient extends Emitter<RealtimeEvents> {
  private current: ConnectionState = ConnectionState.Closed;
  private transport: Transport | null = null;
  private transportKind: TransportKind | null = null;
  /** Bumped on every teardown: callbacks of an older attempt see a stale number and stop. */
  private generation = 0;
  private attempt = 0;
  private webSocketFailures = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private connectTimer: ReturnType<typeof setTimeout> | null = null;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private stopWatching: (() => void)[] = [];
  private seq: number | null;
  private syncedAt: number | null = null;
  private readonly online: OnlineSignal;
  /** The server refused our token: the next attempt refreshes first, whatever the clock says. */
  private refreshBeforeNextAttempt = false;
  /** While on SSE: a WebSocket being tried next to it, and the timer of the next try. */
  private probe: Transport | null = null;
  private probeTimer: ReturnType<typeof setTimeout> | null = null;
  private probeFailures = 0;

  constructor(
    private readonly core: ClientCore,
    private readonly factories: TransportFactories,
    private readonly options: RealtimeOptions = {},
  ) {
    super();
    this.online = options.onlineSignal ?? platformOnlineSignal();
    this.seq = options.since ?? null;
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The seq of the last change applied; the next connection resumes after it. */
  get lastSeq(): number | null {
    return this.seq;
  }

  /** Local time (epoch ms) of the last event or catch-up. */
  get lastSyncAt(): number | null {
    return this.syncedAt;
  }

  /** The transport of the current connection, if any. */
  get transportInUse(): TransportKind | null {
    return this.transport ? this.transportKind : null;
  }

  /** Starts connecting; a no-op unless closed. */
  connect(): void {
    if (this.current !== ConnectionState.Closed) return;
    this.stopWatching = [
      this.online.subscribe((online) => this.onNetworkChange(online)),
      this.core.session.onChange((state) => {
        if (state.status === 'signed-out') this.endSession(clientError('SIGNED_OUT'));
      }),
    ];
    this.attempt = 0;
    this.setState(ConnectionState.Connecting);
    void this.open();
  }

  /** Closes the connection and stops reconnecting. */
  disconnect(): void {
    this.teardown(ConnectionState.Closed, DisconnectReason.Requested);
  }

  /** Sends a message over the WebSocket; false when not connected over one. */
  send(message: object): boolean {
    return this.current === ConnectionState.Connected && (this.transport?.send(message) ?? false);
  }

  private setState(next: ConnectionState, reason?: DisconnectReason): void {
    if (next === this.current) return;
    const change: StateChange = { oldState: this.current, newState: next, reason };
    this.current = next;
    this.emit('state', change);
  }

  /** The one path out of a connection: timers, transport, pending callbacks, then the state. */
  private teardown(next: ConnectionState, reason: DisconnectReason): void {
    this.generation += 1;
    this.stopProbe();
    this.clearTimers();
    this.transport?.close();
    this.transport = null;
    if (next === ConnectionState.Closed) {
      for (const stop of this.stopWatching) stop();
      this.stopWatching = [];
    }
    this.setState(next, reason);
  }

  private clearTimers(): void {
    for (const timer of [this.reconnectTimer, this.connectTimer, this.expiryTimer]) {
      if (timer) clearTimeout(timer);
    }
    this.reconnectTimer = this.connectTimer = this.expiryTimer = null;
  }

  private async open(): Promise<void> {
    const generation = this.generation;
    if (!this.online.isOnline()) {
      this.setState(ConnectionState.Offline, DisconnectReason.NetworkOffline);
      return;
    }
    let accessToken: string;
    try {
      if (this.refreshBeforeNextAttempt) {
        this.refreshBeforeNextAttempt = false;
        await this.core.session.refresh();
      }
      accessToken = await this.core.session.freshAccessToken(MIN_TOKEN_VALIDITY_MS);
    } catch (error) {
      if (generation !== this.generation) return;
      if (endsSession(error)) this.endSession(error as TidingsError);
      else this.scheduleReconnect(DisconnectReason.TransportClosed);
      return;
    }
    if (generation !== this.generation) return;
    const kind = await this.chooseTransport();
    if (generation !== this.generation) return;
    this.transportKind = kind;
    const factory = kind === 'websocket' ? this.factories.websocket : this.factories.sse;
    if (!factory) return;
    this.transport = factory(
      { baseUrl: this.core.baseUrl, accessToken, since: this.seq },
      {
        signal: (signal) => {
          if (generation === this.generation) this.onSignal(signal);
        },
        closed: (info) => {
          if (generation === this.generation) this.onTransportClosed(info);
        },
      },
    );
    this.connectTimer = setTimeout(
      () => this.abandonAttempt(generation),
      this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
  }

  private abandonAttempt(generation: number): void {
    if (generation !== this.generation || this.current === ConnectionState.Connected) return;
    this.onTransportClosed({ end: 'timeout', wasReady: false });
  }

  /** Falls back to SSE only once WebSocket keeps failing while plain HTTP gets through. */
  private async chooseTransport(): Promise<TransportKind> {
    const kind = this.pickTransport();
    if (kind !== 'sse' || this.fallbackConfirmed || (this.options.transport ?? 'auto') !== 'auto') {
      return kind;
    }
    if (!this.factories.websocket) return kind;
    const reachable = await (this.options.serverReachable ?? (() => this.healthzAnswers()))();
    if (reachable && this.webSocketFailedWhileReachable) {
      this.fallbackConfirmed = true;
      return 'sse';
    }
    if (reachable) {
      // The failures so far may all date from before the server came up (a restart): only a
      // WebSocket that fails while HTTP is known to answer says that WebSockets are blocked.
      this.httpAnswered = true;
      this.webSocketFailures = Math.max(0, (this.options.webSocketFailuresBeforeFallback ?? 2) - 1);
      return 'websocket';
    }
    this.httpAnswered = false;
    this.webSocketFailures = 0;
    return 'websocket';
  }

  private fallbackConfirmed = false;
  /** `GET /healthz` answered after the last WebSocket failures were counted. */
  private httpAnswered = false;
  /** A WebSocket failed although HTTP was known to answer just before. */
  private webSocketFailedWhileReachable = false;

  /**
   * Only a 2xx counts: a server that is draining for a restart answers `503 SHUTTING_DOWN` and
   * refuses upgrades, and a proxy whose backend is down answers 502. Neither says that HTTP gets
   * through where WebSockets do not.
   */
  private async healthzAnswers(): Promise<boolean> {
    try {
      const response = await this.core.http.fetch(`${this.core.baseUrl}/healthz`, {
        method: 'GET',
        cache: 'no-store',
        signal: AbortSignal.timeout(3_000),
      });
      return response.ok;
    } catch {
      return false;
    }
  }

  private pickTransport(): TransportKind {
    const wanted = this.options.transport ?? 'auto';
    if (wanted === 'sse' || !this.factories.websocket) return 'sse';
    if (wanted === 'websocket') return 'websocket';
    const limit = this.options.webSocketFailuresBeforeFallback ?? 2;
    return this.webSocketFailures >= limit ? 'sse' : 'websocket';
  }

  private onSignal(signal: TransportSignal): void {
    switch (signal.kind) {
      case 'ready':
        this.onReady(signal.seq);
        return;
      case 'event':
        this.onEvent(signal.event);
        return;
      case 'resync-required':
        this.seq = signal.seq;
        this.emit('resync', { seq: signal.seq });
        return;
      case 'auth-expiring':
        // The server's clock decides expiry: refresh now even if ours says there is time.
        void this.refreshInBand(true);
        return;
      case 'message':
        this.onReply(signal.message);
        this.emit('message', signal.message);
        return;
      case 'error':
        this.emit('error', signal.error);
        return;
    }
  }

  private onReady(seq: number): void {
    if (this.connectTimer) clearTimeout(this.connectTimer);
    this.connectTimer = null;
    this.attempt = 0;
    if (this.transportKind === 'websocket') {
      this.webSocketFailures = 0;
      this.httpAnswered = this.webSocketFailedWhileReachable = false;
    }
    if (this.seq === null || seq > this.seq) this.seq = seq;
    this.syncedAt = Date.now();
    this.scheduleTokenRefresh();
    this.setState(ConnectionState.Connected);
    this.emit('ready', { seq, transport: this.transportKind ?? 'websocket' });
    if (this.transportKind === 'sse') this.scheduleWebSocketProbe();
  }

  // --- back from SSE to WebSocket --------------------------------------------------------------

  /** While on SSE after a fallback, plans the next WebSocket try (if retries are on). */
  private scheduleWebSocketProbe(): void {
    const retry = this.options.webSocketRetry ?? DEFAULT_WEBSOCKET_RETRY;
    if (retry === false || this.probe || this.probeTimer) return;
    if ((this.options.transport ?? 'auto') !== 'auto' || !this.factories.websocket) return;
    const generation = this.generation;
    this.probeTimer = setTimeout(
      () => {
        this.probeTimer = null;
        if (generation === this.generation) void this.probeWebSocket(generation);
      },
      backoffAtLeastHalf(this.probeFailures, retry),
    );
  }

  /**
   * Opens a WebSocket next to the running SSE stream, resuming from our seq. Its replay goes
   * through the same once-in-order check as the stream's events, so the overlap neither loses
   * nor doubles anything; once it is caught up it replaces the stream. A try that fails leaves
   * SSE as it was and plans the next, later one.
   */
  private async probeWebSocket(generation: number): Promise<void> {
    const factory = this.factories.websocket;
    let accessToken: string;
    try {
      accessToken = await this.core.session.freshAccessToken(MIN_TOKEN_VALIDITY_MS);
    } catch {
      if (generation === this.generation) this.probeFailed(null);
      return;
    }
    if (!factory || generation !== this.generation || this.current !== ConnectionState.Connected) {
      return;
    }
    let promotedAt: number | null = null;
    const probe: Transport = factory(
      { baseUrl: this.core.baseUrl, accessToken, since: this.seq },
      {
        signal: (signal) => {
          if (promotedAt !== null) {
            if (promotedAt === this.generation) this.onSignal(signal);
            return;
          }
          if (this.probe !== probe) return;
          if (signal.kind === 'event') this.onEvent(signal.event);
          else if (signal.kind === 'resync-required') this.onSignal(signal);
          else if (signal.kind === 'ready') promotedAt = this.promoteProbe(probe, signal.seq);
        },
        closed: (info) => {
          if (promotedAt !== null) {
            if (promotedAt === this.generation) this.onTransportClosed(info);
          } else if (this.probe === probe) {
            this.probeFailed(probe);
          }
        },
      },
    );
    this.probe = probe;
    const timeout = setTimeout(() => {
      if (this.probe === probe) this.probeFailed(probe);
    }, this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    this.probeTimeout = timeout;
  }

  private probeTimeout: ReturnType<typeof setTimeout> | null = null;

  private probeFailed(probe: Transport | null): void {
    this.stopProbe();
    probe?.close();
    this.probeFailures += 1;
    this.scheduleWebSocketProbe();
  }

  /** The WebSocket is caught up: it becomes the connection and the SSE stream closes. */
  private promoteProbe(probe: Transport, seq: number): number {
    this.probe = null;
    this.stopProbe();
    this.generation += 1;
    this.clearTimers();
    this.transport?.close();
    this.transport = probe;
    this.transportKind = 'websocket';
    this.fallbackConfirmed = false;
    this.probeFailures = 0;
    this.onReady(seq);
    return this.generation;
  }

  private stopProbe(): void {
    for (const timer of [this.probeTimer, this.probeTimeout]) if (timer) clearTimeout(timer);
    this.probeTimer = this.probeTimeout = null;
    this.probe?.close();
    this.probe = null;
  }

  /**
   * Applies each seq once and in order: replays that overlap live events (or a second stream) are
   * dropped, and an event further ahead than the next seq is not applied, because the ones before
   * it would then be dropped as old. It means a gap (a live event sent before the server read our
   * `resume`): a resume from our seq brings everything in order.
   */
  private onEvent(event: SyncEvent): void {
    if (this.seq !== null) {
      if (event.seq <= this.seq) return;
      if (event.seq > this.seq + 1) {
        this.fillGap();
        return;
      }
    }
    this.seq = event.seq;
    this.syncedAt = Date.now();
    this.emit('event', event);
  }

  private gapFillPending = false;

  /** While connecting, the resume under way fills the gap; once connected, ask for one. */
  private fillGap(): void {
    if (this.gapFillPending || this.current !== ConnectionState.Connected) return;
    if (this.seq === null || !this.transport) return;
    this.gapFillPending = this.transport.send({ type: 'resume', since: this.seq });
  }

  /**
   * Our own writes' events do not come back on this connection: their success replies carry the
   * seq instead, which counts as applied when it is the next one.
   */
  private onReply(message: ServerMessage): void {
    if (message.type === 'resumed' || message.type === 'resync_required') {
      this.gapFillPending = false;
    }
    const seq = message.seq;
    if (typeof seq === 'number' && message.type.endsWith('_success') && this.seq !== null) {
      if (seq === this.seq + 1) this.seq = seq;
    }
  }

  private onTransportClosed(info: TransportClose): void {
    const wasWebSocket = this.transportKind === 'websocket';
    this.transport = null;
    this.stopProbe();
    this.clearTimers();
    if (wasWebSocket && !info.wasReady && !SAID_BY_THE_SERVER.has(info.end)) {
      this.webSocketFailures += 1;
      if (this.httpAnswered) this.webSocketFailedWhileReachable = true;
    }
    switch (info.end) {
      case 'session-revoked':
        this.endSession(info.error ?? new TidingsError('SESSION_REVOKED', 'Session revoked.', 401));
        return;
      case 'auth-failed':
        if (info.error && endsSession(info.error)) {
          void this.core.session.end();
          this.endSession(info.error);
          return;
        }
        this.refreshBeforeNextAttempt = true;
        this.scheduleReconnect(DisconnectReason.TransportClosed);
        return;
      case 'token-expired':
        // The server's clock is the one that counts: refresh even if ours says the token lives.
        this.refreshBeforeNextAttempt = true;
        // The first retry is immediate (open() refreshes first); repeated ones back off.
        this.scheduleReconnect(DisconnectReason.TokenExpired, this.attempt === 0);
        return;
      case 'server-restart':
        this.scheduleReconnect(DisconnectReason.ServerRestart);
        return;
      case 'timeout':
        this.scheduleReconnect(DisconnectReason.ConnectTimeout);
        return;
      default:
        this.scheduleReconnect(DisconnectReason.TransportClosed);
    }
  }

  private scheduleReconnect(reason: DisconnectReason, immediate = false): void {
    if (this.current === ConnectionState.Closed) return;
    this.generation += 1;
    this.stopProbe();
    this.clearTimers();
    this.transport?.close();
    this.transport = null;
    if (!this.online.isOnline()) {
      this.setState(ConnectionState.Offline, DisconnectReason.NetworkOffline);
      return;
    }
    const delay = backoff(this.attempt, this.options.backoff ?? DEFAULT_BACKOFF);
    this.attempt += 1;
    this.setState(ConnectionState.Reconnecting, reason);
    this.reconnectTimer = setTimeout(() => void this.open(), immediate ? 0 : delay);
  }

  private onNetworkChange(online: boolean): void {
    if (this.current === ConnectionState.Closed) return;
    if (!online) {
      // Do not wait for a dead socket to time out: show Offline now and queue edits.
      this.teardown(ConnectionState.Offline, DisconnectReason.NetworkOffline);
      return;
    }
    if (this.current === ConnectionState.Offline || this.current === ConnectionState.Reconnecting) {
      // Back online: try at once, with a fresh backoff schedule.
      this.attempt = 0;
      this.scheduleReconnect(DisconnectReason.TransportClosed, true);
    }
  }

  private endSession(error: TidingsError): void {
    if (this.current === ConnectionState.Closed) return;
    this.teardown(ConnectionState.Closed, DisconnectReason.SessionEnded);
    this.emit('sessionEnded', error);
    // Revoked elsewhere (a logout in another tab): the whole client is signed out, not only
    // this connection, so the app shows its sign-in screen.
    if (this.core.session.state.status === 'signed-in') void this.core.session.end();
  }

  /** Refreshes shortly before expiry (a third of the lifetime at most) and re-authenticates. */
  private scheduleTokenRefresh(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const { expiresAt, tokenLifetimeMs } = this.core.session;
    if (expiresAt === null) return;
    const before = Math.min(
      this.options.refreshBeforeExpiryMs ?? DEFAULT_REFRESH_BEFORE_EXPIRY_MS,
      tokenLifetimeMs === null ? Infinity : tokenLifetimeMs / 3,
    );
    const generation = this.generation;
    this.expiryTimer = setTimeout(
      () => {
        if (generation === this.generation) void this.refreshInBand();
      },
      Math.max(0, expiresAt - before - Date.now()),
    );
  }

  private refreshing = false;

  private async refreshInBand(force = false): Promise<void> {
    if (this.refreshing || !this.transport) return;
    this.refreshing = true;
    const generation = this.generation;
    try {
      // Another caller (a REST retry) may already have refreshed: then that token is used.
      const lifetime = this.core.session.tokenLifetimeMs;
      const want = Math.min(DEFAULT_REFRESH_BEFORE_EXPIRY_MS, lifetime === null ? 0 : lifetime / 2);
      if (force) await this.core.session.refresh();
      const token = await this.core.session.freshAccessToken(Math.max(MIN_TOKEN_VALIDITY_MS, want));
      if (generation !== this.generation) return;
      this.transport?.reauthenticate(token);
      this.scheduleTokenRefresh();
    } catch (error) {
      if (generation !== this.generation) return;
      if (endsSession(error)) this.endSession(error as TidingsError);
      // A network failure: the server will end the connection at expiry and we reconnect then.
    } finally {
      this.refreshing = false;
    }
  }
}
