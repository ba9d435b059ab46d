import type { AuthSession } from './auth-session';
import { clientError, endsSession, isTidingsError } from './errors';
import type { HttpRequest, HttpTransport } from './http-transport';

/** Refresh this long before expiry rather than send a token that dies in flight. */
const EXPIRY_SKEW_MS = 5_000;

/**
 * Authenticated requests. Each waits for `session.ready` (so nothing leaves before the stored
 * session is loaded), and a 401 TOKEN_EXPIRED triggers the session's shared refresh and exactly
 * one retry.
 */
export class AuthedHttp {
  constructor(
    private readonly http: HttpTransport,
    private readonly session: AuthSession,
    private readonly now: () => number = Date.now,
  ) {}

  async request<T>(request: Omit<HttpRequest, 'bearer'>): Promise<T> {
    await this.session.ready;
    if (!this.session.user) throw clientError('SIGNED_OUT');
    if (this.http.mode === 'token' && this.expiresSoon()) await this.session.refresh();
    try {
      return await this.http.send<T>({ ...request, bearer: this.session.bearer() });
    } catch (error) {
      if (!this.canRefreshAfter(error)) return this.fail(error);
      await this.session.refresh();
      try {
        return await this.http.send<T>({ ...request, bearer: this.session.bearer() });
      } catch (retryError) {
        return this.fail(retryError);
      }
    }
  }

  /**
   * TOKEN_EXPIRED always; with cookies also UNAUTHENTICATED, because the browser drops an access
   * cookie at its Max-Age and the request then arrives with no token at all.
   */
  private canRefreshAfter(error: unknown): boolean {
    return (
      isTidingsError(error, 'TOKEN_EXPIRED') ||
      (this.http.mode === 'cookie' && isTidingsError(error, 'UNAUTHENTICATED'))
    );
  }

  private async fail(error: unknown): Promise<never> {
    if (endsSession(error)) await this.session.end();
    throw error;
  }

  private expiresSoon(): boolean {
    const expiresAt = this.session.expiresAt;
    return expiresAt !== null && expiresAt - this.now() < EXPIRY_SKEW_MS;
  }
}
