import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AppContext } from '../app';
import { authenticateToken } from '../auth/authenticate';
import { cookieNames } from '../auth/cookie-names';
import { bearerToken, type Principal } from '../auth/principal';
import { AppError } from '../errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireUser` on authenticated routes. */
    principal: Principal | null;
  }
}

/** The access token of a request: the Bearer header first, then the httpOnly access cookie. */
export function requestAccessToken(
  request: FastifyRequest,
  context: AppContext,
): string | undefined {
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader !== undefined) return fromHeader;
  return request.cookies?.[cookieNames(context.config).access];
}

export function registerPrincipal(app: FastifyInstance): void {
  app.decorateRequest('principal', null);
}

/** A preHandler that admits only authenticated requests and sets `request.principal`. */
export function requireUser(context: AppContext) {
  return async function requireUserPreHandler(request: FastifyRequest): Promise<void> {
    const token = requestAccessToken(request, context);
    if (!token) throw new AppError('UNAUTHENTICATED');
    request.principal = await authenticateToken(context, token);
  };
}

/** The principal of a route behind `requireUser`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('UNAUTHENTICATED');
  return request.principal;
}

/** Who makes a change through a REST route: the user, and the session for the version history. */
export function actorOf(request: FastifyRequest): { userId: string; sessionId: string } {
  const { userId, sessionId } = principalOf(request);
  return { userId, sessionId };
}
