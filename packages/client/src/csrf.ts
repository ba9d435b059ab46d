import { singleFlight } from './single-flight';

export const CSRF_HEADER = 'X-CSRF-Token';
export const CSRF_PATH = '/api/csrf-token';

/** A CSRF token, and in Node the cookie it is paired with (browsers keep that cookie themselves). */
export interface CsrfCredentials {
  token: string;
  /** `name=value` of the CSRF cookie, captured where the platform exposes Set-Cookie (Node). */
  cookie: string | null;
}

/**
 * The double-submit CSRF token: fetched once, on the first state-changing call, then cached and
 * sent on every POST/PUT/PATCH/DELETE. The server answers a stale one with 403 CSRF_INVALID; the
 * caller then `clear()`s it and retries once with a fresh one.
 */
export class CsrfTokenCache {
  private current: CsrfCredentials | null = null;
  private readonly fetchShared: () => Promise<CsrfCredentials>;

  constructor(fetchToken: () => Promise<CsrfCredentials>) {
    this.fetchShared = singleFlight(async () => {
      const fetched = await fetchToken();
      this.current = fetched;
      return fetched;
    });
  }

  /** The cached token, fetching it once if there is none; concurrent callers share one fetch. */
  async get(): Promise<CsrfCredentials> {
    return this.current ?? this.fetchShared();
  }

  clear(): void {
    this.current = null;
  }
}

/** Methods that change state and so carry the CSRF token. */
export function isStateChanging(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
}
