import type { BackoffOptions } from '../backoff';

/**
 * While live updates run over SSE (WebSocket failed), WebSocket is tried again now and then: the
 * proxy that blocked it may be gone, or the failure was a network blip. Delays grow with each
 * failed try, capped, so a network that really blocks WebSocket costs one attempt every few
 * minutes at most; with equal jitter (`backoffAtLeastHalf`), so a fleet of fallen-back clients
 * neither hammers the server nor returns in a wave.
 */
export const DEFAULT_WEBSOCKET_RETRY: Readonly<BackoffOptions> = Object.freeze({
  minDelayMs: 45_000,
  maxDelayMs: 10 * 60_000,
});
