import type { SyncEvent } from '@tidings/protocol';
import { errorFromBody, isTidingsError, type TidingsError } from '../errors';
import type { FetchLike } from '../http-transport';
import { SseParser, type SseMessage } from './sse-parser';
import type {
  Transport,
  TransportClose,
  TransportFactory,
  TransportHandlers,
  TransportParams,
} from './transport';

export interface SseTransportOptions {
  fetch: FetchLike;
  /** Send cookies too (browser sessions); bearer auth works either way. */
  withCredentials: boolean;
}

/**
 * `GET /api/events` read with fetch rather than EventSource: fetch can send the bearer token and
 * `Last-Event-ID` on the first connect, and EventSource's own reconnect loop would fight the
 * client's backoff and token refresh. Receive-only: changes go through REST.
 */
export function sseTransport(options: SseTransportOptions): TransportFactory {
  return function createSseTransport(params, handlers) {
    return new SseTransport(options, params, handlers);
  };
}

class SseTransport implements Transport {
  readonly kind = 'sse';
  private stream: SseStream;
  private lastSeq: number | null;
  private done = false;

  constructor(
    private readonly options: SseTransportOptions,
    private readonly params: TransportParams,
    private readonly handlers: TransportHandlers,
  ) {
    this.lastSeq = params.since;
    this.stream = this.open(params.accessToken, params.since);
  }

  send(): boolean {
    return false;
  }

  /**
   * A stream is authenticated once, when it starts. With a refreshed token, a second stream
   * resumes from the last seq; once it is caught up the first one is dropped, so the user never
   * sees a gap or a reconnect (duplicates in the overlap are dropped by seq).
   */
  reauthenticate(accessToken: string): void {
    if (this.done) return;
    const previous = this.stream;
    const next = this.open(accessToken, this.lastSeq, () => {
      if (this.stream !== previous) return;
      previous.abort();
      this.stream = next;
    });
  }

  close(): void {
    this.done = true;
    this.stream.abort();
  }

  private open(accessToken: string, since: number | null, onReady?: () => void): SseStream {
    return new SseStream(
      this.options,
      this.params.baseUrl,
      accessToken,
      since,
      (message) => this.onMessage(message, onReady),
      (info) => this.onStreamEnd(info),
    );
  }

  private onMessage(message: SseMessage, onReady?: () => void): void {
    const data = parseJson(message.data);
    if (!data) return;
    switch (message.event) {
      case 'ready':
        onReady?.();
        this.handlers.signal({ kind: 'ready', seq: Number(data.seq) });
        return;
      case 'resync_required':
        this.lastSeq = Number(data.seq);
        this.handlers.signal({ kind: 'resync-required', seq: Number(data.seq) });
        return;
      case 'token_expired':
      case 'session_revoked':
        // The server ends the stream right after; onStreamEnd reports it.
        return;
      default:
        if (message.id !== null && typeof data.seq === 'number') {
          this.lastSeq = Math.max(this.lastSeq ?? 0, data.seq);
          this.handlers.signal({ kind: 'event', event: data as unknown as SyncEvent });
        }
    }
  }

  private onStreamEnd(info: TransportClose & { stream: SseStream }): void {
    // Only the current stream's end matters; a replaced one was aborted on purpose.
    if (this.done || info.stream !== this.stream) return;
    this.done = true;
    this.handlers.closed(info);
  }
}

/** One HTTP request's worth of event stream. */
class SseStream {
  private readonly controller = new AbortController();
  private wasReady = false;
  private lastEvent = '';

  constructor(
    private readonly options: SseTransportOptions,
    baseUrl: string,
    accessToken: string,
    since: number | null,
    private readonly onMessage: (message: SseMessage) => void,
    private readonly onEnd: (info: TransportClose & { stream: SseStream }) => void,
  ) {
    void this.run(`${baseUrl}/api/events`, accessToken, since);
  }

  abort(): void {
    this.controller.abort();
  }

  private async run(url: string, accessToken: string, since: number | null): Promise<void> {
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      authorization: `Bearer ${accessToken}`,
    };
    if (since !== null) headers['last-event-id'] = String(since);
    let info: TransportClose;
    try {
      const response = await this.options.fetch(url, {
        headers,
        credentials: this.options.withCredentials ? 'include' : 'omit',
        signal: this.controller.signal,
        cache: 'no-store',
      });
      info = response.ok ? await this.read(response) : await refusal(response);
    } catch {
      info = { end: 'closed', wasReady: this.wasReady };
    }
    if (this.controller.signal.aborted) return;
    this.onEnd({ ...info, stream: this });
  }

  private async read(response: Response): Promise<TransportClose> {
    if (!response.body) return { end: 'closed', wasReady: false };
    const parser = new SseParser();
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const message of parser.push(decoder.decode(value, { stream: true }))) {
        if (message.event === 'ready') this.wasReady = true;
        this.lastEvent = message.event;
        this.onMessage(message);
      }
    }
    const end =
      this.lastEvent === 'token_expired'
        ? 'token-expired'
        : this.lastEvent === 'session_revoked'
          ? 'session-revoked'
          : 'closed';
    return { end, wasReady: this.wasReady };
  }
}

/** A non-2xx answer to the stream request, as a close reason. */
async function refusal(response: Response): Promise<TransportClose> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error: TidingsError = errorFromBody(response.status, body);
  if (isTidingsError(error, 'TOKEN_EXPIRED')) return { end: 'token-expired', wasReady: false };
  if (isTidingsError(error, 'SESSION_REVOKED')) return { end: 'session-revoked', wasReady: false };
  if (response.status === 401) return { end: 'auth-failed', wasReady: false, error };
  if (response.status === 503) return { end: 'server-restart', wasReady: false, error };
  return { end: 'closed', wasReady: false, error };
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
