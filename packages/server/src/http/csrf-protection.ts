import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../app';
import { cookieNames } from '../auth/cookie-names';
import { createCsrfTokens, type CsrfTokens } from '../auth/csrf-token';
import { bearerToken } from '../auth/principal';
import { AppError } from '../errors';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
export const CSRF_HEADER = 'x-csrf-token';

/**
 * CSRF defence for every state-changing request under /api/:
 * 1. an Origin header, when a browser sends one, must be on the allowlist (ORIGIN_FORBIDDEN);
 * 2. unless the request carries `Authorization: Bearer` (a header browsers never attach on their
 *    own, and one a cross-origin page can only send after a CORS preflight we refuse), it must
 *    carry X-CSRF-Token equal to the CSRF cookie and signed by this server (CSRF_INVALID).
 * The check runs on onRequest, before the body is even read. Login and register are covered too,
 * so a hostile page cannot sign a victim into the attacker's account.
 */
export function registerCsrfProtection(
  app: FastifyInstance,
  context: AppContext,
  serverSecret: string,
): void {
  const tokens = createCsrfTokens(serverSecret);
  const allowedOrigins = new Set(context.config.corsOrigins);
  const cookieName = cookieNames(context.config).csrf;

  app.addHook('onRequest', async (request) => {
    if (!STATE_CHANGING.has(request.method) || !isApiRequest(request)) return;
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) throw new AppError('ORIGIN_FORBIDDEN');
    if (bearerToken(request.headers.authorization)) return;
    const header = request.headers[CSRF_HEADER];
    const presented = typeof header === 'string' ? header : undefined;
    const binding = await sessionBinding(request, context);
    if (!tokens.verify(presented, request.cookies?.[cookieName], binding)) {
      throw new AppError('CSRF_INVALID');
    }
  });

  app.get('/api/csrf-token', async (request, reply) => {
    const binding = await sessionBinding(request, context);
    return { csrfToken: currentOrNewToken(request, reply, context, tokens, cookieName, binding) };
  });
}

/**
 * The session a CSRF token is bound to: the one named by the request's access cookie, expired or
 * not (a refresh must pass with the token fetched while it was valid), or '' without a usable
 * cookie. Signing in or out therefore calls for a new token, which clients fetch on CSRF_INVALID.
 */
async function sessionBinding(request: FastifyRequest, context: AppContext): Promise<string> {
  const accessCookie = request.cookies?.[cookieNames(context.config).access];
  if (!accessCookie) return '';
  const verified = await context.accessTokens.verify(accessCookie);
  if (verified.ok) return verified.claims.sessionId;
  return verified.reason === 'expired' ? (verified.sessionId ?? '') : '';
}

/**
 * Keeps a valid existing token: every tab of a browser shares the cookie, so issuing a new one
 * on each fetch would invalidate the token another tab has cached.
 */
function currentOrNewToken(
  request: FastifyRequest,
  reply: FastifyReply,
  context: AppContext,
  tokens: CsrfTokens,
  cookieName: string,
  binding: string,
): string {
  const existing = request.cookies?.[cookieName];
  if (existing !== undefined && tokens.isValid(existing, binding)) return existing;
  const token = tokens.issue(binding);
  // A session cookie (no expiry): it ends with the browser session.
  reply.setCookie(cookieName, token, {
    httpOnly: true,
    sameSite: 'strict',
    path: '/',
    secure: context.config.secureCookies,
  });
  return token;
}

/** By the matched route and by the raw URL, so no spelling of a path slips past the check. */
function isApiRequest(request: FastifyRequest): boolean {
  return [request.routeOptions.url, request.url].some(
    (url) => url !== undefined && (url === '/api' || /^\/api[/?]/.test(url)),
  );
}
