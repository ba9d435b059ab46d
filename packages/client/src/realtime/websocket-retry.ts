import { type BackoffOptions, backoffAtLeastHalf } from '../backoff';

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
 * 2^failures), with equal jitter (`backoffAtLeastHalf`): a fleet of fallen-back clients neither
 * hammers the server nor returns in a wave.
 */
export function webSocketRetryDelay(
  failures: number,
  options: BackoffOptions = DEFAULT_WEBSOCKET_RETRY,
  random: () => number = Math.random,
): number {
  return backoffAtLeastHalf(failures, options, random);
}
