import type { PublicUser } from '@tidings/protocol';
import type { AuthState, LoginInput, RegisterInput } from './auth-types';
import { type ClientCore, createClientCore, type TidingsClientOptions } from './client';
import { noteSender } from './offline/note-sender';
import { Outbox } from './offline/outbox';
import { memoryOutboxStore, type OutboxStore } from './offline/outbox-store';
import { RealtimeClient, type RealtimeOptions } from './realtime/realtime-client';
import { sseTransport } from './realtime/sse-transport';
import { type WebSocketConstructor, webSocketTransport } from './realtime/websocket-transport';
import { FoldersApi } from './resources/folders-api';
import { NotesApi } from './resources/notes-api';
import { TagsApi } from './resources/tags-api';

export interface RealtimeClientOptions extends RealtimeOptions {
  /** The WebSocket implementation; default the global one (Node 20 has none: pass `ws`'s). */
  WebSocket?: WebSocketConstructor;
  /** Sign every message with the connection's sessionSecret (for WS_REQUIRE_SIGNED_MESSAGES). */
  signMessages?: boolean;
  /** Ping this often; a server silent for two intervals is presumed gone (ms). Default 25,000. */
  heartbeatMs?: number;
}

/**
 * The Tidings client: one object per server. Everything authenticated waits for `ready`, so a
 * page that restores its session never sends a request before it knows who is signed in.
 *
 * ```ts
 * const client = createTidingsClient({ baseUrl: 'https://notes.example.com' });
 * const user = await client.ready; // null: show the sign-in screen
 * ```
 */
export class TidingsClient {
  readonly notes: NotesApi;
  readonly folders: FoldersApi;
  readonly tags: TagsApi;
  /** Resolves to the signed-in user or null once the stored session is known; never rejects. */
  readonly ready: Promise<PublicUser | null>;
  private live: RealtimeClient | null = null;
  /** Each outbox with the function that stops flushing it on reconnect. */
  private readonly outboxes = new Map<Outbox, () => void>();

  constructor(private readonly core: ClientCore) {
    this.notes = new NotesApi(core.api);
    this.folders = new FoldersApi(core.api);
    this.tags = new TagsApi(core.api);
    this.ready = core.session.ready;
  }

  get baseUrl(): string {
    return this.core.baseUrl;
  }

  get user(): PublicUser | null {
    return this.core.session.user;
  }

  get authState(): AuthState {
    return this.core.session.state;
  }

  /** Calls `listener` on every sign-in, sign-out and session end; returns the unsubscribe. */
  onAuthChange(listener: (state: AuthState) => void): () => void {
    return this.core.session.onChange(listener);
  }

  register(input: RegisterInput): Promise<PublicUser> {
    return this.core.session.register(input);
  }

  login(input: LoginInput): Promise<PublicUser> {
    return this.core.session.login(input);
  }

  /** Ends the session on the server and here; a live connection closes. */
  async logout(): Promise<void> {
    this.live?.disconnect();
    await this.core.session.logout();
  }

  /** Asks the server who is signed in. */
  async me(): Promise<PublicUser> {
    const body = await this.core.api.request<{ user: PublicUser }>({
      method: 'GET',
      path: '/api/auth/me',
    });
    return body.user;
  }

  /**
   * The live connection (created on the first call, the same object after): call `connect()`,
   * listen to `state`, `event`, `resync` and `sessionEnded`.
   */
  realtime(options: RealtimeClientOptions = {}): RealtimeClient {
    if (this.live) return this.live;
    const WebSocketImpl =
      options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket ?? null;
    const fetchImpl = this.core.http.fetch;
    this.live = new RealtimeClient(
      this.core,
      {
        websocket: WebSocketImpl
          ? webSocketTransport({
              WebSocket: WebSocketImpl,
              signMessages: options.signMessages ?? false,
              heartbeatMs: options.heartbeatMs ?? 25_000,
            })
          : null,
        sse: sseTransport({ fetch: fetchImpl, withCredentials: this.core.http.mode === 'cookie' }),
      },
      options,
    );
    for (const outbox of this.outboxes.keys()) this.flushOnReconnect(outbox);
    return this.live;
  }

  /**
   * A queue of note edits that survives going offline (and, with an IndexedDB store, reloads):
   * sent in order over the WebSocket when connected, else over REST; flushed on every reconnect.
   */
  createOutbox(store: OutboxStore = memoryOutboxStore()): Outbox {
    const outbox = new Outbox(
      store,
      noteSender(this.notes, this.folders, () => this.live),
    );
    this.outboxes.set(outbox, () => undefined);
    this.flushOnReconnect(outbox);
    return outbox;
  }

  /** Stops flushing an outbox on reconnect (its user signed out, its page is gone). */
  releaseOutbox(outbox: Outbox): void {
    outbox.cancelRetry();
    this.outboxes.get(outbox)?.();
    this.outboxes.delete(outbox);
  }

  private flushOnReconnect(outbox: Outbox): void {
    if (!this.live) return;
    this.outboxes.get(outbox)?.();
    this.outboxes.set(
      outbox,
      this.live.on('ready', () => void outbox.flush()),
    );
  }
}

export function createTidingsClient(options: TidingsClientOptions = {}): TidingsClient {
  return new TidingsClient(createClientCore(options));
}
