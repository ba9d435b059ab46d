/** Reconnect delays: exponential growth, capped, with full jitter. */
export interface BackoffOptions {
  /** Base delay of the first retry, in ms. Default 500. */
  minDelayMs: number;
  /** Largest delay ever returned, in ms. Default 20,000. */
  maxDelayMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({
  minDelayMs: 500,
  // 20 s: long enough that a server restart's reconnect wave spreads out, short enough that a
  // user who comes back to the tab is not left waiting.
  maxDelayMs: 20_000,
});

/**
 * The delay before retry number `attempt` (0 for the first retry): a uniformly random value in
 * [0, min(maxDelayMs, minDelayMs * 2^attempt)). Full jitter spreads thousands of clients that lost
 * the same server over the whole window instead of letting them return in synchronized waves.
 * Pure: `random` is injectable so tests can pin it.
 */
export function backoff(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

/** min(maxDelayMs, minDelayMs * 2^attempt): the window the jitter is drawn from. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const safeAttempt = Math.max(0, Math.floor(attempt));
  // 2^31 already exceeds any sane cap; clamping the exponent keeps the arithmetic finite.
  return Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.min(safeAttempt, 31));
}

/**
 * The delay before retry number `attempt` with "equal jitter": uniformly random in
 * [ceiling / 2, ceiling), ceiling as `backoffCeiling`. Never near zero, so retries never hammer
 * the server, yet spread out so many clients do not return in a wave. Pure: `random` is
 * injectable.
 */
export function backoffAtLeastHalf(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const ceiling = backoffCeiling(attempt, options);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}
