import type { IncomingMessage } from 'node:http';
import { cookieNames } from '../auth/cookie-names';
import { bearerToken, type CredentialSource } from '../auth/principal';
import type { Config } from '../config/config';

export interface UpgradeCredential {
  token: string;
  source: Exclude<CredentialSource, 'message'>;
}

/**
 * The access token sent with the upgrade request, in this order: `Authorization: Bearer`, the
 * access cookie, the `token` query parameter. Null when there is none: the client then has
 * WS_AUTH_TIMEOUT_MS to send an `auth` message.
 */
export function upgradeCredential(
  request: IncomingMessage,
  url: URL,
  config: Pick<Config, 'secureCookies'>,
  parseCookie: (header: string) => Record<string, string | undefined>,
): UpgradeCredential | null {
  const fromHeader = bearerToken(request.headers.authorization);
  if (fromHeader !== undefined) return { token: fromHeader, source: 'header' };
  const cookieHeader = request.headers.cookie;
  if (cookieHeader) {
    const fromCookie = parseCookie(cookieHeader)[cookieNames(config).access];
    if (fromCookie) return { token: fromCookie, source: 'cookie' };
  }
  const fromQuery = url.searchParams.get('token');
  if (fromQuery) return { token: fromQuery, source: 'query' };
  return null;
}
