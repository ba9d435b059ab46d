import type { PublicUser } from '@tidings/protocol';
import {
  type AuthResponse,
  type AuthState,
  type AuthStatus,
  expiresAtMs,
  type LoginInput,
  type RegisterInput,
} from './auth-types';
import { withCrossTabLock } from './cross-tab-lock';
import { clientError, endsSession, isTidingsError } from './errors';
import type { HttpTransport } from './http-transport';
import type { SessionStore, StoredSession } from './session-store';
import { singleFlight } from './single-flight';

type Listener = (state: AuthState) => void;

/**
 * The signed-in session: who the user is, the access token and when it expires, and the one
 * refresh that all callers share. `ready` settles once the stored session has been loaded (and,
 * with cookies, confirmed by the server); nothing authenticated is sent before that.
 */
export class AuthSession {
  /** Resolves to the signed-in user, or null, once the session state is known. Never rejects. */
  readonly ready: Promise<PublicUser | null>;
  private status: AuthStatus = 'restoring';
  private current: StoredSession | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly refreshShared: () => Promise<void>;
  /** Local time the current access token arrived; with expiresAt, its lifetime. */
  private tokenReceivedAt: number | null = null;

  constructor(
    private readonly http: HttpTransport,
    private readonly store: SessionStore,
  ) {
    this.refreshShared = singleFlight(() => this.runRefresh());
    this.ready = this.restore();
  }

  get state(): AuthState {
    return { status: this.status, user: this.current?.user ?? null };
  }

  get user(): PublicUser | null {
    return this.current?.user ?? null;
  }

  /** Epoch ms when the access token expires, when known. */
  get expiresAt(): number | null {
    return this.current?.expiresAt ?? null;
  }

  /** How long the current access token lives in total, when known (ms). */
  get tokenLifetimeMs(): number | null {
    const expiresAt = this.current?.expiresAt ?? null;
    if (expiresAt === null || this.tokenReceivedAt === null) return null;
    return Math.max(0, expiresAt - this.tokenReceivedAt);
  }

  /** The access token when the SDK holds one (token mode, or after a login in this page). */
  get accessToken(): string | null {
    return this.current?.accessToken ?? null;
  }

  /** Calls `listener` on every change of status or user; returns the unsubscribe function. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async register(input: RegisterInput): Promise<PublicUser> {
    await this.ready;
    return this.signIn('/api/auth/register', input);
  }

  async login(input: LoginInput): Promise<PublicUser> {
    await this.ready;
    return this.signIn('/api/auth/login', input);
  }

  /** Ends the session on the server (best effort) and always locally. */
  async logout(): Promise<void> {
    await this.ready;
    const refreshToken = this.current?.refreshToken;
    try {
      await this.http.send({
        method: 'POST',
        path: '/api/auth/logout',
        body: refreshToken ? { refreshToken } : {},
        bearer: this.bearer(),
      });
    } catch (error) {
      // Already gone on the server is as good as logged out; anything else still ends it here.
      if (!endsSession(error) && !isTidingsError(error, 'NETWORK_ERROR')) throw error;
    } finally {
      this.http.csrf.clear();
      await this.end();
    }
  }

  /**
   * Rotates the refresh token for a new access token. Concurrent callers share one request: a
   * second refresh would present an already-rotated token and revoke the whole session. A refresh
   * the server refuses ends the session; a network failure leaves it as it was.
   */
  refresh(): Promise<void> {
    return this.refreshShared();
  }

  /** The bearer token to send: token mode only; in cookie mode the browser sends the cookie. */
  bearer(): string | null {
    return this.http.mode === 'token' ? (this.current?.accessToken ?? null) : null;
  }

  /** An access token valid for at least `minValidityMs` more, refreshing first when needed. */
  async freshAccessToken(minValidityMs: number, now = Date.now()): Promise<string> {
    await this.ready;
    if (!this.current) throw clientError('SIGNED_OUT');
    const expiresAt = this.current.expiresAt;
    if (!this.current.accessToken || expiresAt === null || expiresAt - now < minValidityMs) {
      await this.refresh();
    }
    const token = this.current?.accessToken;
    if (!token) throw clientError('SIGNED_OUT');
    return token;
  }

  /** Forgets the session locally (the server said it is over). */
  async end(): Promise<void> {
    this.current = null;
    await this.store.clear();
    this.setStatus('signed-out');
  }

  private async signIn(path: string, input: RegisterInput | LoginInput): Promise<PublicUser> {
    const body = this.http.mode === 'token' ? { ...input, tokenDelivery: 'body' } : input;
    const response = await this.http.send<AuthResponse>({ method: 'POST', path, body });
    // A new session gets a new CSRF token (the server may bind it to the session).
    this.http.csrf.clear();
    if (!response.user) throw clientError('UNEXPECTED_RESPONSE');
    await this.accept(response, response.user);
    return response.user;
  }

  private async runRefresh(): Promise<void> {
    const refreshToken = this.current?.refreshToken;
    if (this.http.mode === 'token' && !refreshToken) throw clientError('SIGNED_OUT');
    let response: AuthResponse;
    try {
      response = await this.postRefresh(
        refreshToken ? { refreshToken, tokenDelivery: 'body' } : {},
      );
    } catch (error) {
      if (endsSession(error)) await this.end();
      throw error;
    }
    const user = response.user ?? this.current?.user ?? (await this.fetchMe(response.accessToken));
    await this.accept(response, user);
  }

  /** In cookie mode the tabs of a browser share the refresh cookie: they refresh in turn. */
  private postRefresh(body: object): Promise<AuthResponse> {
    const send = () =>
      this.http.send<AuthResponse>({ method: 'POST', path: '/api/auth/refresh', body });
    return this.http.mode === 'cookie' ? withCrossTabLock('tidings-refresh', send) : send();
  }

  private async accept(response: AuthResponse, user: PublicUser): Promise<void> {
    this.current = {
      user,
      accessToken: response.accessToken,
      expiresAt: expiresAtMs(response.expiresAt),
      refreshToken: response.refreshToken ?? this.current?.refreshToken ?? null,
    };
    this.tokenReceivedAt = Date.now();
    await this.store.save(this.current);
    this.setStatus('signed-in', true);
  }

  private async fetchMe(accessToken?: string): Promise<PublicUser> {
    const bearer = this.http.mode === 'token' ? (accessToken ?? this.bearer()) : null;
    const body = await this.http.send<{ user?: PublicUser } & Partial<PublicUser>>({
      method: 'GET',
      path: '/api/auth/me',
      bearer,
    });
    const user = body.user ?? (typeof body.id === 'string' ? (body as PublicUser) : undefined);
    if (!user) throw clientError('UNEXPECTED_RESPONSE');
    return user;
  }

  /**
   * Token mode: the stored session is the state. Cookie mode: the cookies are invisible to
   * scripts, so ask the server who we are; an expired (or already dropped) access cookie gets
   * one refresh through the refresh cookie first.
   */
  private async restore(): Promise<PublicUser | null> {
    let stored: StoredSession | null = null;
    try {
      stored = await this.store.load();
    } catch {
      stored = null;
    }
    if (this.http.mode === 'token') {
      this.current = stored;
      this.setStatus(stored ? 'signed-in' : 'signed-out');
      return this.user;
    }
    try {
      this.current = await this.confirmCookieSession();
      // Keeps the store's copy current (with a marker store: who is signed in, no token).
      await this.quietly(() => this.store.save(this.current as StoredSession));
      this.setStatus('signed-in');
    } catch (error) {
      if (stored && !serverSaidSignedOut(error)) {
        // The server could not be asked (offline, down, a proxy's error page): keep the last
        // known user; the first request that reaches the server confirms the session or ends it.
        this.current = stored;
        this.setStatus('signed-in');
      } else {
        this.current = null;
        await this.quietly(() => this.store.clear());
        this.setStatus('signed-out');
      }
    }
    return this.user;
  }

  /** `ready` never rejects: a store that fails (storage full, private mode) changes nothing. */
  private async quietly(action: () => Promise<void> | void): Promise<void> {
    try {
      await action();
    } catch {
      // The session works without its stored copy; it is only not remembered.
    }
  }

  private async confirmCookieSession(): Promise<StoredSession> {
    try {
      return { ...emptySession(), user: await this.fetchMe() };
    } catch (error) {
      if (!isTidingsError(error, 'TOKEN_EXPIRED') && !isTidingsError(error, 'UNAUTHENTICATED')) {
        throw error;
      }
      const response = await this.postRefresh({});
      this.tokenReceivedAt = Date.now();
      return {
        ...emptySession(),
        user: response.user ?? (await this.fetchMe()),
        accessToken: response.accessToken,
        expiresAt: expiresAtMs(response.expiresAt),
      };
    }
  }

  private setStatus(status: AuthStatus, force = false): void {
    if (status === this.status && !force) return;
    this.status = status;
    const state = this.state;
    for (const listener of [...this.listeners]) listener(state);
  }
}

/** The server itself answered that there is no session (401), not a failure to reach it. */
function serverSaidSignedOut(error: unknown): boolean {
  return isTidingsError(error) && error.status === 401;
}

function emptySession(): Omit<StoredSession, 'user'> {
  return { accessToken: null, expiresAt: null, refreshToken: null };
}
