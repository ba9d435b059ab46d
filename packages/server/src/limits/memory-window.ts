import type { SlidingWindowLimiter, WindowCheck } from './limits';

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
  /** Forgets keys whose every event left the window; returns how many keys remain. */
  sweep(): number;
  close(): void;
}

/**
 * An exact sliding window: per key, the timestamps of the events still inside the window, oldest
 * first. A refused event is not recorded, so at most `max` timestamps are kept per key and a
 * client that keeps hammering is let in again once its oldest accepted event leaves the window.
 * Keys whose events all expired are swept once per window, so memory follows live keys only.
 */
export function createMemorySlidingWindow(options: WindowOptions): MemorySlidingWindow {
  const { max, windowMs } = options;
  const now = options.now ?? Date.now;
  const eventsByKey = new Map<string, number[]>();

  function liveEvents(key: string, at: number): number[] | undefined {
    const events = eventsByKey.get(key);
    if (!events) return undefined;
    while (events.length > 0 && (events[0] as number) <= at - windowMs) events.shift();
    if (events.length === 0) {
      eventsByKey.delete(key);
      return undefined;
    }
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

  function sweep(): number {
    const at = now();
    for (const key of [...eventsByKey.keys()]) liveEvents(key, at);
    return eventsByKey.size;
  }

  const sweeper = setInterval(sweep, windowMs);
  sweeper.unref();

  return {
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
