import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { cookieNames, REFRESH_COOKIE_PATH } from '../auth/cookie-names';
import type { Config } from '../config/config';

type CookieConfig = Pick<Config, 'secureCookies'>;

/**
 * The access cookie goes to every route (SameSite=Lax keeps it on top-level navigations to the
 * app); the refresh cookie only to the auth routes, and never on a cross-site request. Both are
 * httpOnly: page scripts never see a token.
 */
function accessCookieOptions(config: CookieConfig): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'lax', path: '/', secure: config.secureCookies };
}

function refreshCookieOptions(config: CookieConfig): CookieSerializeOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    secure: config.secureCookies,
  };
}

export interface SessionCookies {
  accessToken: string;
  refreshToken: string;
  /** Both cookies live as long as the session, the JWT inside decides access. */
  refreshExpiresAt: Date;
}

export function setSessionCookies(
  reply: FastifyReply,
  config: CookieConfig,
  cookies: SessionCookies,
): void {
  const names = cookieNames(config);
  // Kept past the JWT's own expiry, so an expired token is answered TOKEN_EXPIRED (refresh and
  // retry) rather than UNAUTHENTICATED.
  const expires = cookies.refreshExpiresAt;
  reply.setCookie(names.access, cookies.accessToken, { ...accessCookieOptions(config), expires });
  reply.setCookie(names.refresh, cookies.refreshToken, {
    ...refreshCookieOptions(config),
    expires,
  });
}

export function clearSessionCookies(reply: FastifyReply, config: CookieConfig): void {
  const names = cookieNames(config);
  reply.clearCookie(names.access, accessCookieOptions(config));
  reply.clearCookie(names.refresh, refreshCookieOptions(config));
}

export function refreshCookie(request: FastifyRequest, config: CookieConfig): string | undefined {
  return request.cookies?.[cookieNames(config).refresh] || undefined;
}
