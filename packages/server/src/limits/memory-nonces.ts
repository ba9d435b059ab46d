import { ExpiryHeap } from './expiry-heap';
import type { NonceStore } from './limits';

export interface MemoryNonceOptions {
  /** Entries kept in all; when full, the entry closest to expiry is dropped first. */
  maxEntries: number;
  now?: () => number;
}

export interface MemoryNonceStore extends NonceStore {
  rememberNow(scope: string, nonce: string, ttlMs: number): boolean;
  readonly size: number;
}

/**
 * Remembers (scope, nonce) pairs until they expire. Memory is bounded by `maxEntries`: expired
 * entries go first and, if the store is still full, the entry closest to its expiry is evicted,
 * one at a time. It is never wiped: wiping would let every recent message be replayed at once.
 * The entry evicted is the one whose signed message has the least validity left, so the exposure
 * under pressure is as small as it can be; the message rate limit keeps a well-sized store from
 * filling at all (docs/limits.md).
 */
export function createMemoryNonceStore(options: MemoryNonceOptions): MemoryNonceStore {
  const now = options.now ?? Date.now;
  const expiryByKey = new Map<string, number>();
  const heap = new ExpiryHeap();

  // A heap entry is stale when its key was dropped or re-remembered since; skip those.
  function isCurrent(key: string, expiresAt: number): boolean {
    return expiryByKey.get(key) === expiresAt;
  }

  function dropExpired(at: number): void {
    for (let top = heap.peek(); top && top.expiresAt <= at; top = heap.peek()) {
      heap.pop();
      if (isCurrent(top.key, top.expiresAt)) expiryByKey.delete(top.key);
    }
  }

  function evictClosestToExpiry(): void {
    for (let top = heap.pop(); top; top = heap.pop()) {
      if (!isCurrent(top.key, top.expiresAt)) continue;
      expiryByKey.delete(top.key);
      return;
    }
  }

  function rememberNow(scope: string, nonce: string, ttlMs: number): boolean {
    const at = now();
    dropExpired(at);
    // The NUL separator cannot occur in a validated scope, so pairs never collide.
    const key = `${scope}\u0000${nonce}`;
    const known = expiryByKey.get(key);
    if (known !== undefined && known > at) return false;
    while (expiryByKey.size >= options.maxEntries) evictClosestToExpiry();
    const expiresAt = at + Math.max(1, ttlMs);
    expiryByKey.set(key, expiresAt);
    heap.push({ key, expiresAt });
    return true;
  }

  return {
    rememberNow,
    remember: async (scope, nonce, ttlMs) => rememberNow(scope, nonce, ttlMs),
    get size() {
      return expiryByKey.size;
    },
  };
}
