const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The page's origin when running in a browser, else undefined. */
export function pageOrigin(): string | undefined {
  const location = (globalThis as { location?: { origin?: string } }).location;
  return typeof location?.origin === 'string' && location.origin !== 'null'
    ? location.origin
    : undefined;
}

/**
 * The API's base URL (origin plus any path prefix), from the configured base URL or, in a browser, the page's own origin.
 *
 * `localhost` and `127.0.0.1` are different sites to a browser: cookies set by one are not sent to
 * the other, so an app loaded from one that calls the other looks signed out (the classic "WS
 * permission denied"). When the configured URL names the page's server under another loopback
 * alias, the page's spelling wins.
 */
export function resolveBaseUrl(configured: string | undefined, page = pageOrigin()): string {
  const raw = configured ?? page;
  if (!raw) throw new TypeError('Tidings client: baseUrl is required outside a browser.');
  const url = new URL(raw, page);
  if (page) {
    const pageUrl = new URL(page);
    const sameServer =
      url.protocol === pageUrl.protocol &&
      url.port === pageUrl.port &&
      LOOPBACK_HOSTS.has(url.hostname) &&
      LOOPBACK_HOSTS.has(pageUrl.hostname);
    if (sameServer) url.host = pageUrl.host;
  }
  // A path prefix (a proxy serving Tidings under /notes) is kept; a trailing slash is not.
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The WebSocket URL of the gateway, always derived from the API origin so the two never drift. */
export function webSocketUrl(baseUrl: string, path = '/ws'): string {
  const url = new URL(`${baseUrl}${path}`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}
