import { AuthSession } from './auth-session';
import { AuthedHttp } from './authed-http';
import { resolveBaseUrl } from './base-url';
import { type CredentialsMode, type FetchLike, HttpTransport } from './http-transport';
import { memorySessionStore, type SessionStore } from './session-store';

export interface TidingsClientOptions {
  /**
   * The server, e.g. `https://notes.example.com`. Defaults to the page's origin in a browser;
   * required in Node. The WebSocket and SSE URLs are derived from it.
   */
  baseUrl?: string;
  /**
   * `cookie` (the default in browsers): httpOnly cookies carry the session and the SDK sends the
   * CSRF token. `token` (the default elsewhere): the SDK holds the tokens and sends them as
   * `Authorization: Bearer`; keep them with `sessionStore`.
   */
  credentials?: CredentialsMode;
  /** Where the session survives restarts. Default: memory. */
  sessionStore?: SessionStore;
  /** A fetch implementation; default: the global one. */
  fetch?: FetchLike;
}

/** The parts of a client that the resource APIs and the realtime client share. */
export interface ClientCore {
  readonly baseUrl: string;
  readonly http: HttpTransport;
  readonly session: AuthSession;
  readonly api: AuthedHttp;
}

export function createClientCore(options: TidingsClientOptions = {}): ClientCore {
  const baseUrl = resolveBaseUrl(options.baseUrl);
  const credentials = options.credentials ?? (isBrowser() ? 'cookie' : 'token');
  const fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const http = new HttpTransport(baseUrl, fetchImpl, credentials);
  const session = new AuthSession(http, options.sessionStore ?? memorySessionStore());
  return { baseUrl, http, session, api: new AuthedHttp(http, session) };
}

function isBrowser(): boolean {
  return typeof (globalThis as { document?: unknown }).document !== 'undefined';
}
