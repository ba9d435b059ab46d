import type { SlidingWindowLimiter, WindowCheck } from './limits';
import { RollingShares } from './rolling-shares';

/**
 * The periodic sweep walks a share of the keys in each of this many ticks per window, instead
 * of every key at once: with 100,000 keys one pass held the event loop for tens of milliseconds.
 */
export const SWEEP_SLICES = 20;

export interface WindowOptions {
  max: number;
  windowMs: number;
  now?: () => number;
}

export interface MemorySlidingWindow extends SlidingWindowLimiter {
  /** Synchronous forms, for the Redis limiter's fallback and for tests. */
  hitNow(key: string): WindowCheck;
  peekNow(key: string): WindowCheck;
  resetNow(key: string): void;
  /** Forgets keys whose every event left the window, all at once; returns how many remain. */
  sweep(): number;
  /** How many keys are held (memory follows the keys with events in the window). */
  readonly size: number;
  close(): void;
}

/**
 * An exact sliding window: per key, the timestamps of the events still inside the window, oldest
 * first. A refused event is not recorded, so at most `max` timestamps are kept per key and a
 * client that keeps hammering is let in again once its oldest accepted event leaves the window.
 * Keys whose events all expired are swept within about a window, a share of the keys at a time
 * (SWEEP_SLICES), so memory follows live keys only.
 */
export function createMemorySlidingWindow(options: WindowOptions): MemorySlidingWindow {
  const { max, windowMs } = options;
  const now = options.now ?? Date.now;
  const eventsByKey = new Map<string, number[]>();

  function liveEvents(key: string, at: number): number[] | undefined {
    const events = eventsByKey.get(key);
    if (!events) return undefined;
    const cutoff = at - windowMs;
    // The newest event has left: all have (a key at rest, the sweep's usual find), in O(1)
    // however many the key held.
    const newest = events[events.length - 1];
    if (newest === undefined || newest <= cutoff) {
      eventsByKey.delete(key);
      return undefined;
    }
    // The ones that left, dropped in one move rather than one shift each.
    let expired = 0;
    while ((events[expired] as number) <= cutoff) expired += 1;
    if (expired > 0) events.splice(0, expired);
    return events;
  }

  function check(events: number[] | undefined): WindowCheck {
    if (!events || events.length < max) return { allowed: true, retryAfterMs: 0 };
    // The next slot frees when the event `max` places back leaves the window.
    const freesAt = (events[events.length - max] as number) + windowMs;
    return { allowed: false, retryAfterMs: Math.max(1, freesAt - now()) };
  }

  function hitNow(key: string): WindowCheck {
    const at = now();
    const events = liveEvents(key, at);
    const result = check(events);
    if (!result.allowed) return result;
    if (events) events.push(at);
    else eventsByKey.set(key, [at]);
    return result;
  }

  function peekNow(key: string): WindowCheck {
    return check(liveEvents(key, now()));
  }

  /** Drops the expired events of these keys, and the keys left with none. */
  function forgetExpired(keys: readonly string[]): void {
    const at = now();
    for (const key of keys) liveEvents(key, at);
  }

  function sweep(): number {
    forgetExpired([...eventsByKey.keys()]);
    return eventsByKey.size;
  }

  const shares = new RollingShares(eventsByKey, SWEEP_SLICES);
  const sweeper = setInterval(() => forgetExpired(shares.next()), windowMs / SWEEP_SLICES);
  sweeper.unref();

  return {
    get size() {
      return eventsByKey.size;
    },
    hitNow,
    peekNow,
    resetNow: (key) => void eventsByKey.delete(key),
    sweep,
    hit: async (key) => hitNow(key),
    peek: async (key) => peekNow(key),
    reset: async (key) => void eventsByKey.delete(key),
    close: () => clearInterval(sweeper),
  };
}
