import { ExpiryHeap } from './expiry-heap';
import type { NonceStore } from './limits';

export interface MemoryNonceOptions {
  /** Entries kept in all; when full, the entry closest to expiry is dropped first. */
  maxEntries: number;
  /** Entries kept per scope (user); past it, that scope's entry closest to expiry goes. */
  maxPerScope?: number;
  now?: () => number;
}

export interface MemoryNonceStore extends NonceStore {
  rememberNow(scope: string, nonce: string, ttlMs: number): boolean;
  readonly size: number;
}

interface Entry {
  scope: string;
  nonce: string;
  expiresAt: number;
}

/**
 * Remembers (scope, nonce) pairs until they expire. Memory is bounded by `maxEntries` in all and
 * `maxPerScope` per user: expired entries go first and, if still full, the entry closest to its
 * expiry is evicted, one at a time (from the same user when that user is over its share, so one
 * user cannot push out another's nonces). It is never wiped: wiping would let every recent
 * message be replayed at once. The entry evicted is the one whose signed message has the least
 * validity left, so the exposure under pressure is as small as it can be; the message rate limit
 * keeps a well-sized store from filling at all (docs/limits.md).
 */
export function createMemoryNonceStore(options: MemoryNonceOptions): MemoryNonceStore {
  const now = options.now ?? Date.now;
  const maxPerScope = options.maxPerScope ?? Number.POSITIVE_INFINITY;
  const expiryByScope = new Map<string, Map<string, number>>();
  const heap = new ExpiryHeap<Entry>();
  let size = 0;

  // A heap entry is stale when its pair was evicted or re-remembered since; skip those.
  function isCurrent(entry: Entry): boolean {
    return expiryByScope.get(entry.scope)?.get(entry.nonce) === entry.expiresAt;
  }

  function forget(scope: string, nonce: string): void {
    const entries = expiryByScope.get(scope);
    if (!entries?.delete(nonce)) return;
    size -= 1;
    if (entries.size === 0) expiryByScope.delete(scope);
  }

  function dropExpired(at: number): void {
    for (let top = heap.peek(); top && top.expiresAt <= at; top = heap.peek()) {
      heap.pop();
      if (isCurrent(top)) forget(top.scope, top.nonce);
    }
  }

  function evictClosestToExpiry(): void {
    for (let top = heap.pop(); top; top = heap.pop()) {
      if (!isCurrent(top)) continue;
      forget(top.scope, top.nonce);
      return;
    }
  }

  /** Only when one user exceeds its share, which the message rate limit normally prevents. */
  function evictClosestToExpiryOf(scope: string, entries: Map<string, number>): void {
    let closest: string | undefined;
    let closestExpiry = Number.POSITIVE_INFINITY;
    for (const [nonce, expiresAt] of entries) {
      if (expiresAt < closestExpiry) [closest, closestExpiry] = [nonce, expiresAt];
    }
    if (closest !== undefined) forget(scope, closest);
  }

  function rememberNow(scope: string, nonce: string, ttlMs: number): boolean {
    const at = now();
    dropExpired(at);
    if (expiryByScope.get(scope)?.has(nonce)) return false;
    const scopeEntries = expiryByScope.get(scope);
    if (scopeEntries && scopeEntries.size >= maxPerScope) {
      evictClosestToExpiryOf(scope, scopeEntries);
    }
    while (size >= options.maxEntries) evictClosestToExpiry();
    const expiresAt = at + Math.max(1, ttlMs);
    let entries = expiryByScope.get(scope);
    if (!entries) {
      entries = new Map();
      expiryByScope.set(scope, entries);
    }
    entries.set(nonce, expiresAt);
    size += 1;
    heap.push({ scope, nonce, expiresAt });
    // Per-user evictions leave stale heap entries behind; keep the heap near the live size.
    if (heap.size > 2 * size + 1_024) heap.rebuild(liveEntries());
    return true;
  }

  function* liveEntries(): Generator<Entry> {
    for (const [scope, entries] of expiryByScope) {
      for (const [nonce, expiresAt] of entries) yield { scope, nonce, expiresAt };
    }
  }

  return {
    rememberNow,
    remember: async (scope, nonce, ttlMs) => rememberNow(scope, nonce, ttlMs),
    get size() {
      return size;
    },
  };
}
