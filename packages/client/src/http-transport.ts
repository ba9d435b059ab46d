import {
  CSRF_HEADER,
  CSRF_PATH,
  type CsrfCredentials,
  CsrfTokenCache,
  isStateChanging,
} from './csrf';
import { clientError, errorFromBody, isTidingsError, TidingsError } from './errors';

/** How the session travels: httpOnly cookies (browsers) or bearer tokens the SDK holds (Node). */
export type CredentialsMode = 'cookie' | 'token';

export type QueryValue = string | number | boolean | undefined | null;

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  query?: Record<string, QueryValue>;
  /** An access token to send as `Authorization: Bearer`; such requests need no CSRF token. */
  bearer?: string | null;
  signal?: AbortSignal;
}

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * One HTTP exchange with the server, with CSRF handled: every state-changing request that is not
 * bearer-authenticated carries the cached `X-CSRF-Token`, and a 403 CSRF_INVALID clears the cache
 * and retries once with a fresh token. Errors are always `TidingsError`s.
 */
export class HttpTransport {
  readonly csrf: CsrfTokenCache;

  constructor(
    readonly baseUrl: string,
    private readonly fetchImpl: FetchLike,
    readonly mode: CredentialsMode,
  ) {
    this.csrf = new CsrfTokenCache(() => this.fetchCsrf());
  }

  /** The fetch in use, for transports that stream (SSE). */
  get fetch(): FetchLike {
    return this.fetchImpl;
  }

  async send<T>(request: HttpRequest): Promise<T> {
    const needsCsrf = isStateChanging(request.method) && !request.bearer;
    if (!needsCsrf) return this.exchange<T>(request, null);
    try {
      return await this.exchange<T>(request, await this.csrf.get());
    } catch (error) {
      if (!isTidingsError(error, 'CSRF_INVALID')) throw error;
      // The token rotated (a new session, a server restart with a new secret): fetch, retry once.
      this.csrf.clear();
      return this.exchange<T>(request, await this.csrf.get());
    }
  }

  private async exchange<T>(request: HttpRequest, csrf: CsrfCredentials | null): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.bearer) headers.authorization = `Bearer ${request.bearer}`;
    if (csrf) {
      headers[CSRF_HEADER] = csrf.token;
      if (csrf.cookie) headers.cookie = csrf.cookie;
    }
    const response = await this.fetchOrThrow(this.url(request.path, request.query), {
      method: request.method,
      headers,
      body: request.body === undefined ? undefined : JSON.stringify(request.body),
      credentials: this.mode === 'cookie' ? 'include' : 'omit',
      signal: request.signal,
    });
    return readBody<T>(response);
  }

  private async fetchCsrf(): Promise<CsrfCredentials> {
    const response = await this.fetchOrThrow(this.url(CSRF_PATH), {
      method: 'GET',
      headers: { accept: 'application/json' },
      credentials: this.mode === 'cookie' ? 'include' : 'omit',
    });
    const body = await readBody<{ csrfToken?: unknown }>(response);
    if (typeof body?.csrfToken !== 'string') throw clientError('UNEXPECTED_RESPONSE');
    return {
      token: body.csrfToken,
      cookie: this.mode === 'token' ? setCookiePair(response) : null,
    };
  }

  private async fetchOrThrow(url: string, init: RequestInit): Promise<Response> {
    try {
      return await this.fetchImpl(url, init);
    } catch (error) {
      if ((error as { name?: string })?.name === 'AbortError') throw error;
      throw clientError('NETWORK_ERROR', error);
    }
  }

  url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${path}${search ? `?${search}` : ''}`;
  }
}

async function readBody<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = undefined;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      throw new TidingsError(
        'UNEXPECTED_RESPONSE',
        `Unexpected response (HTTP ${response.status}).`,
        response.status,
      );
    }
  }
  if (!response.ok) throw errorFromBody(response.status, body);
  return body as T;
}

/**
 * The `name=value` of the CSRF cookie from Set-Cookie. Only Node exposes it; in a browser the
 * cookie jar pairs cookie and header on its own and `getSetCookie` returns nothing.
 */
function setCookiePair(response: Response): string | null {
  const headers = response.headers as Headers & { getSetCookie?: () => string[] };
  const cookies = headers.getSetCookie?.() ?? [];
  const csrfCookie = cookies.find((cookie) => /csrf/i.test(cookie.split('=')[0] ?? ''));
  return csrfCookie ? (csrfCookie.split(';')[0] ?? null) : null;
}
