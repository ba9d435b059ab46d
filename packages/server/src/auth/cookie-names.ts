import type { Config } from '../config/config';

/**
 * Cookie names. Behind https they carry the browser-enforced prefixes: `__Host-` (Secure, no
 * Domain, Path=/) for the access and CSRF cookies, `__Secure-` for the refresh cookie, which is
 * scoped to the auth routes and so cannot use `__Host-`.
 */
export interface CookieNames {
  access: string;
  refresh: string;
  csrf: string;
}

export function cookieNames(config: Pick<Config, 'secureCookies'>): CookieNames {
  return config.secureCookies
    ? { access: '__Host-tidings_at', refresh: '__Secure-tidings_rt', csrf: '__Host-tidings_csrf' }
    : { access: 'tidings_at', refresh: 'tidings_rt', csrf: 'tidings_csrf' };
}

/** The refresh cookie is only ever sent to the auth routes. */
export const REFRESH_COOKIE_PATH = '/api/auth';
