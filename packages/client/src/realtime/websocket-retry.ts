import { type BackoffOptions, backoffCeiling } from '../backoff';

/**
 * While live updates run over SSE (WebSocket failed), WebSocket is tried again now and then: the
 * proxy that blocked it may be gone, or the failure was a network blip. Delays grow with each
 * failed try, capped, so a network that really blocks WebSocket costs one attempt every few
 * minutes at most.
 */
export const DEFAULT_WEBSOCKET_RETRY: Readonly<BackoffOptions> = Object.freeze({
  minDelayMs: 45_000,
  maxDelayMs: 10 * 60_000,
});

/**
 * The wait before WebSocket try number `failures + 1` while on SSE: min(maxDelayMs, minDelayMs *
 * 2^failures), with a random half added or taken away from its upper half ("equal jitter", in
 * [ceiling / 2, ceiling)): never near zero, so a fleet of fallen-back clients does not hammer
 * the server, but spread out so they do not return in a wave. Pure: `random` is injectable.
 */
export function webSocketRetryDelay(
  failures: number,
  options: BackoffOptions = DEFAULT_WEBSOCKET_RETRY,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(failures, options);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}
