import type { PublicUser } from '@tidings/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app';
import { checkCredentials, createAccount, findPublicUser, toPublicUser } from '../auth/accounts';
import { LoginThrottle } from '../auth/login-throttle';
import { warmUpDummyHash } from '../auth/passwords';
import {
  type IssuedRefresh,
  revokeSession,
  rotateRefreshToken,
  sessionOfRefreshToken,
  startSession,
} from '../auth/sessions';
import { AppError, isAppError } from '../errors';
import { clearSessionCookies, refreshCookie, setSessionCookies } from './auth-cookies';
import {
  loginBody,
  logoutBody,
  refreshBody,
  registerBody,
  type TokenDelivery,
} from './auth-schemas';
import { principalOf, requestAccessToken, requireUser } from './require-user';
import { parseWith } from './validate';

/** The body of register, login and refresh. */
interface AuthResponse {
  user: PublicUser;
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  refreshToken?: string;
}

/**
 * Accounts and sessions: POST /api/auth/{register,login,refresh,logout} and GET /api/auth/me.
 * See docs/api/auth.md. CSRF for these routes is checked by the global hook (login CSRF too).
 */
export function registerAuthRoutes(app: FastifyInstance, context: AppContext): void {
  const { config, store } = context;
  const db = store.db;
  const throttle = new LoginThrottle(context.limits.loginFailures);
  const policy = { ttlMs: config.refreshTokenTtlMs, reuseGraceMs: config.refreshReuseGraceMs };
  warmUpDummyHash();

  /** Signs an access token for the session and delivers both tokens the way the client asked. */
  async function respond(
    reply: FastifyReply,
    user: PublicUser,
    issued: IssuedRefresh,
    delivery: TokenDelivery,
  ): Promise<AuthResponse> {
    const access = await context.accessTokens.sign(issued.userId, issued.sessionId);
    const body: AuthResponse = { user, accessToken: access.token, expiresAt: access.expiresAt };
    if (delivery === 'body') {
      body.refreshToken = issued.refreshToken;
    } else {
      setSessionCookies(reply, config, {
        accessToken: access.token,
        refreshToken: issued.refreshToken,
        refreshExpiresAt: issued.refreshExpiresAt,
      });
    }
    return body;
  }

  app.post('/api/auth/register', async (request, reply) => {
    const input = parseWith(registerBody, request.body ?? {});
    const { user, session } = await createAccount(
      db,
      input,
      policy.ttlMs,
      request.headers['user-agent'],
    );
    const body = await respond(reply, user, session, input.tokenDelivery ?? 'cookie');
    return reply.status(201).send(body);
  });

  app.post('/api/auth/login', async (request, reply) => {
    const input = parseWith(loginBody, request.body ?? {});
    let account: Awaited<ReturnType<typeof checkCredentials>>;
    try {
      account = await throttle.attempt(input.email, request.ip, () =>
        checkCredentials(db, input.email, input.password),
      );
    } catch (error) {
      setRetryAfter(reply, error);
      throw error;
    }
    // One answer whether the email is unknown or the password wrong: no account oracle.
    if (!account) throw new AppError('INVALID_CREDENTIALS');
    const session = await startSession(db, account.id, policy, request.headers['user-agent']);
    return respond(reply, toPublicUser(account), session, input.tokenDelivery ?? 'cookie');
  });

  app.post('/api/auth/refresh', async (request, reply) => {
    const input = parseWith(refreshBody, request.body ?? {});
    const presented = input.refreshToken ?? refreshCookie(request, config);
    // A token sent in the body comes back in the body, unless the client says otherwise.
    const delivery = input.tokenDelivery ?? (input.refreshToken ? 'body' : 'cookie');
    if (!presented) throw new AppError('REFRESH_INVALID');
    const outcome = await rotateRefreshToken(db, presented, policy);
    if (outcome.kind === 'reused') {
      context.hub.revokeSession(outcome.userId, outcome.sessionId);
      request.log.warn(
        { userId: outcome.userId, sessionId: outcome.sessionId },
        'rotated refresh token presented again; session revoked',
      );
      clearSessionCookies(reply, config);
      throw new AppError('REFRESH_REUSED');
    }
    if (outcome.kind === 'invalid') {
      if (!input.refreshToken) clearSessionCookies(reply, config);
      throw new AppError('REFRESH_INVALID');
    }
    const user = await findPublicUser(db, outcome.userId);
    if (!user) throw new AppError('REFRESH_INVALID');
    return respond(reply, user, outcome, delivery);
  });

  app.post('/api/auth/logout', async (request, reply) => {
    const input = parseWith(logoutBody, request.body ?? {});
    for (const sessionId of await sessionsToEnd(request, context, input.refreshToken)) {
      const revoked = await revokeSession(db, sessionId, 'logout');
      if (revoked) context.hub.revokeSession(revoked.userId, sessionId);
    }
    clearSessionCookies(reply, config);
    return reply.status(204).send();
  });

  app.get('/api/auth/me', { preHandler: requireUser(context) }, async (request) => {
    const user = await findPublicUser(db, principalOf(request).userId);
    if (!user) throw new AppError('SESSION_REVOKED');
    return { user };
  });
}

/**
 * The sessions a logout names: by the refresh token in the body or cookie, or by a valid access
 * token. Logout is idempotent: nothing recognisable still answers 204 and clears the cookies.
 */
async function sessionsToEnd(
  request: FastifyRequest,
  context: AppContext,
  bodyToken: string | undefined,
): Promise<Set<string>> {
  const found = new Set<string>();
  for (const token of [bodyToken, refreshCookie(request, context.config)]) {
    if (!token) continue;
    const sessionId = await sessionOfRefreshToken(context.store.db, token);
    if (sessionId) found.add(sessionId);
  }
  const accessToken = requestAccessToken(request, context);
  if (accessToken) {
    const verified = await context.accessTokens.verify(accessToken);
    if (verified.ok) found.add(verified.claims.sessionId);
  }
  return found;
}

function setRetryAfter(reply: FastifyReply, error: unknown): void {
  if (!isAppError(error) || error.code !== 'RATE_LIMITED') return;
  const retryAfterMs = (error.details as { retryAfterMs?: number } | undefined)?.retryAfterMs ?? 0;
  void reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
}
